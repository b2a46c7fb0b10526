import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';
import { ApiError } from '../../lib/errors.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';

/**
 * Rails reads `a[b]=1&c[]=2` into nested params from the query string, form bodies and multipart
 * fields alike; clients rely on all three. Files in multipart bodies are buffered and attached to the
 * body by their field name (media uploads read `file`; media-processing refuses images over 16 MB).
 */
const parse = (input: string) => qs.parse(input, { depth: 5, arrayLimit: 100, parameterLimit: 1000, duplicates: 'last' });

/**
 * What one multipart body may hold: Mastodon's forms send two files at most (a medium and its
 * thumbnail, or an avatar and a header) and a few dozen short fields. Files are buffered before
 * anyone is authenticated, so the limits bound what a stranger can make a process hold; a file a
 * little over the media limit still reaches media processing and gets its clear 422.
 */
const MULTIPART_LIMITS = { files: 2, fileSize: 2 * MEDIA_LIMITS.image_size_limit, fields: 200, fieldSize: 256 * 1024, parts: 202 };

/**
 * The file size media uploads take (a route's `config.multipartFileSize`): video and audio up to
 * Mastodon's 99 MB, and a little more so that a file just over it gets its clear 422.
 */
export const MEDIA_UPLOAD_SIZE = MEDIA_LIMITS.video_size_limit + 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** a larger file size than multipart bodies may otherwise hold */
    multipartFileSize?: number;
  }
}

const tooLarge = () => new ApiError(413, 'Request entity too large');

export async function registerParamParsers(app: FastifyInstance) {
  await app.register(formbody, { parser: parse, bodyLimit: 1024 * 1024 });
  await app.register(multipart, { limits: MULTIPART_LIMITS });
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    const pairs: string[] = [];
    const files: Record<string, unknown> = {};
    try {
      const fileSize = request.routeOptions.config.multipartFileSize ?? MULTIPART_LIMITS.fileSize;
      for await (const part of request.parts({ limits: { ...MULTIPART_LIMITS, fileSize } })) {
        if (part.type === 'file') {
          await part.toBuffer();
          files[part.fieldname] = part;
        } else {
          if (part.valueTruncated || part.fieldnameTruncated) throw tooLarge();
          pairs.push(`${encodeURIComponent(part.fieldname)}=${encodeURIComponent(String(part.value ?? ''))}`);
        }
      }
    } catch (error) {
      // a body over the limits stays a 413; one without a boundary, or cut short, is malformed
      if ((error as FastifyError).statusCode === 413) throw error instanceof ApiError ? error : tooLarge();
      throw unparsableParams();
    }
    request.body = { ...parse(pairs.join('&')), ...files };
  });
  // Refused before any handler runs, as Rails refuses parameters it cannot parse as a whole
  app.addHook('preValidation', async (request) => {
    if (unusable(request.params) || unusable(request.query) || (!Buffer.isBuffer(request.body) && unusable(request.body))) throw unparsableParams();
  });
}

/** Mastodon's answer to parameters Rails could not parse. */
export const unparsableParams = () => new ApiError(400, 'Error occurred while parsing request parameters');

/** Ruby's JSON parser's max_nesting */
const MAX_NESTING = 100;

/** Parameters holding NUL anywhere (PostgreSQL can neither store nor compare it), or nested deeper than Rails reads. */
function unusable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (!value || typeof value !== 'object') return false;
  if (depth > MAX_NESTING) return true;
  if (Array.isArray(value)) return value.some((item) => unusable(item, depth + 1));
  // multipart files are streams or buffers, not parameters
  if (Buffer.isBuffer(value) || typeof (value as { toBuffer?: unknown }).toBuffer === 'function') return false;
  return Object.entries(value).some(([key, item]) => key.includes('\0') || unusable(item, depth + 1));
}

export const queryParser = (input: string) => parse(input);

/** Query, body and path params merged, as Rails' `params` sees them (path wins, then body). */
export function params(request: FastifyRequest): Record<string, unknown> {
  const body = request.body && typeof request.body === 'object' && !Buffer.isBuffer(request.body) ? request.body : {};
  return { ...(request.query as object), ...body, ...(request.params as object) };
}

export { notScalar, railsBoolean, text } from '../../lib/rails-params.ts';
