import { ApiError } from './errors.ts';

// Rails' reading of single parameter values, shared by the API (src/http) and the streaming API.

/**
 * Where one value is expected, a list or a hash (`visibility[]=direct`) is refused rather than read
 * as absent: falling back to a default could do something weaker than what was asked.
 */
export const notScalar = () => new ApiError(422, 'Validation failed: a parameter that takes one value was given a list or a hash');

/** A scalar param as Rails reads it: strings as they are, numbers and booleans as text; null or absent is undefined; a list or hash is a 422. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') throw notScalar();
  return undefined;
}

const FALSE_VALUES = new Set(['0', 'f', 'false', 'off']);

/** ActiveModel's boolean cast: Rails' false values are false, blank is null, anything else is true. */
export function railsBoolean(value: unknown): boolean | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value === '' ? null : !FALSE_VALUES.has(value.toLowerCase());
  if (typeof value === 'object') throw notScalar();
  return undefined;
}
