import { randomUUID } from 'node:crypto';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';

/**
 * Rails' ActionDispatch::RequestId, as Mastodon answers: the id a proxy sent in `X-Request-Id`
 * (word characters, `-` and `@` only, 255 at most), or a new UUID; logged with the request and
 * sent back on every response, so a client's report can be matched to the server's logs.
 */
export function requestId(request: RawRequestDefaultExpression): string {
  const sent = request.headers['x-request-id'];
  const cleaned = typeof sent === 'string' ? sent.replace(/[^\w\-@]/g, '').slice(0, 255) : '';
  return cleaned || randomUUID();
}

export function registerRequestId(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}
