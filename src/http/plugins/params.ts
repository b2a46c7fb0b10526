import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';

/**
 * Rails reads `a[b]=1&c[]=2` into nested params from the query string, form bodies and multipart
 * fields alike; clients rely on all three. Files in multipart bodies are buffered and attached to the
 * body by their field name (media uploads read `file`; media-processing refuses images over 16 MB).
 */
const parse = (input: string) => qs.parse(input, { depth: 5, arrayLimit: 100, parameterLimit: 1000 });

export async function registerParamParsers(app: FastifyInstance) {
  await app.register(formbody, { parser: parse, bodyLimit: 1024 * 1024 });
  await app.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, fields: 1000, fieldSize: 1024 * 1024 }, attachFieldsToBody: true });
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    const fields = Object.values((request.body ?? {}) as Record<string, unknown>).flat() as { type?: string; fieldname: string; value?: unknown }[];
    const pairs = fields.filter((f) => f.type === 'field').map((f) => `${encodeURIComponent(f.fieldname)}=${encodeURIComponent(String(f.value ?? ''))}`);
    const files = Object.fromEntries(fields.filter((f) => f.type === 'file').map((f) => [f.fieldname, f]));
    request.body = { ...parse(pairs.join('&')), ...files };
  });
}

export const queryParser = (input: string) => parse(input);

/** Query, body and path params merged, as Rails' `params` sees them (path wins, then body). */
export function params(request: FastifyRequest): Record<string, unknown> {
  const body = request.body && typeof request.body === 'object' && !Buffer.isBuffer(request.body) ? request.body : {};
  return { ...(request.query as object), ...body, ...(request.params as object) };
}

/** A scalar param as Rails reads it: strings as they are, numbers and booleans as text; anything else is not permitted. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
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
  return undefined;
}
