import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { STYLESHEET, STYLESHEET_ROUTE } from './views/stylesheet.ts';

const PUBLIC_DIR = new URL('../../public/', import.meta.url);

/** The few files Mastodon serves from public/ that API responses point at, and the pages' stylesheet. */
export function staticRoutes(app: FastifyInstance) {
  for (const path of ['avatars/original/missing.png', 'headers/original/missing.png']) {
    app.get(`/${path}`, async (_request, reply) => {
      const body = await readFile(new URL(path, PUBLIC_DIR));
      return reply.type('image/png').header('cache-control', 'public, max-age=31536000, immutable').send(body);
    });
  }
  app.get(STYLESHEET_ROUTE, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(STYLESHEET));
}
