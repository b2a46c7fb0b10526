import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { RedisUnavailableError } from '../../backends/redis-unavailable.ts';
import { StorageUnavailableError } from '../../backends/storage/index.ts';
import { ApiError } from '../../lib/errors.ts';

/** Every error leaves as Mastodon's `{"error": "…"}`; unexpected ones are logged and never leak details. */
export function registerErrorHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | ApiError | ZodError, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send(error.body);
    if (error instanceof RedisUnavailableError) {
      // Redis stayed away longer than a request waits for it (a restart that took too long): retry later
      request.log.warn({ err: error }, 'request failed: Redis is unavailable');
      return reply.status(503).header('retry-after', '10').send({ error: 'There was a temporary problem serving your request, please try again' });
    }
    if (error instanceof StorageUnavailableError) {
      // the media store did not answer (Mastodon rescues Seahorse::Client::NetworkingError the same way)
      request.log.warn({ err: error }, 'request failed: storage server error');
      return reply.status(503).send({ error: 'There was a temporary problem serving your request, please try again' });
    }
    if (error instanceof ZodError) {
      const messages = error.issues.map((issue) => `${issue.path.join('.') || 'request'} ${issue.message.replace(/^Invalid input: /, '').toLowerCase()}`);
      return reply.status(422).send({ error: `Validation failed: ${messages.join(', ')}` });
    }
    const status = (error as FastifyError).statusCode;
    if (status === 413) return reply.status(413).send({ error: 'Request entity too large' });
    if (status === 415) return reply.status(415).send({ error: 'Unsupported media type' });
    if (status && status >= 400 && status < 500) {
      const parsing = (error as FastifyError).code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError;
      return reply.status(status).send({ error: parsing ? 'Error occurred while parsing request parameters' : error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'Something went wrong on our end' });
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/') || request.headers.accept?.includes('json')) {
      return reply.status(404).send({ error: 'Record not found' });
    }
    return reply.status(404).type('text/html').send("<!doctype html><title>Not found</title><h1>The page you are looking for isn't here.</h1>");
  });
}
