import { ApiError } from '../../lib/errors.ts';
import type { FieldErrors } from '../views/auth-pages.ts';

/** A service's validation failure as a form's field errors; anything else is rethrown. */
export function formErrors(error: unknown): { message: string; fields: FieldErrors } {
  if (!(error instanceof ApiError) || error.statusCode !== 422) throw error;
  const details = (error.body.details ?? {}) as Record<string, { description: string }[]>;
  const fields: FieldErrors = Object.fromEntries(Object.entries(details).map(([field, list]) => [field, list.map((detail) => detail.description)]));
  return { message: Object.keys(fields).length > 0 ? 'Please review the problems below.' : error.message, fields };
}

/** A nested form group (`user[...]`) as an object; anything else as empty. */
export const nested = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
