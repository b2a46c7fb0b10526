import { posix } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { MEDIA_CACHE_CONTROL, PRIVATE_KEY_PREFIX, type ByteRange } from '../backends/storage/index.ts';

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`; null when unsatisfiable, undefined when absent or not understood. */
function parseRange(header: string | undefined, size: number): ByteRange | null | undefined {
  const match = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (!match[1] && !match[2])) return undefined;
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  return start > end || start >= size ? null : { start, end };
}

/**
 * Uploaded files at Mastodon's local path, `/system/<key>`, for the web role: cached for good
 * (a file never changes under its name), with single byte ranges as browsers and players ask for them.
 * With S3 storage the files' URLs point at the bucket or its CDN and `/system/` answers 404, as
 * Mastodon's does then (nginx serves `public/system` from a disk that holds nothing). Account
 * archives are not served here: only their owner downloads them, at `/backups/:id/download`.
 */
export function mediaFileRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/system/*', async (request, reply) => {
    if (ctx.storage.kind !== 'local') return reply.code(404).type('text/plain').send('Not found');
    const key = (request.params as { '*': string })['*'];
    if (posix.normalize(`/${key}`).startsWith(`/${PRIVATE_KEY_PREFIX}`)) return reply.code(404).type('text/plain').send('Not found');
    const file = await ctx.storage.head(key);
    if (!file) return reply.code(404).type('text/plain').send('Not found');
    const range = parseRange(request.headers.range, file.size);
    reply.header('cache-control', MEDIA_CACHE_CONTROL).header('accept-ranges', 'bytes').type(file.contentType);
    if (range === null) return reply.code(416).header('content-range', `bytes */${file.size}`).send();
    const stream = await ctx.storage.get(key, range);
    if (!stream) return reply.code(404).type('text/plain').send('Not found');
    if (!range) return reply.header('content-length', file.size).send(stream);
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
      .header('content-length', range.end - range.start + 1)
      .send(stream);
  });
}
