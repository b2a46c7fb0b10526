import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { APP_ICON_SIZES, appIconPath } from '../services/instance/app-icons.ts';
import { WEBAUTHN_SCRIPT, WEBAUTHN_SCRIPT_ROUTE } from './views/scripts.ts';
import { STYLESHEET, STYLESHEET_ROUTE } from './views/stylesheet.ts';

const PUBLIC_DIR = new URL('../../public/', import.meta.url);

/** Files that never change under their name: caches may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The favicon and touch icon keep their names across releases: a week. */
const WEEK = 'public, max-age=604800';

/** The files Mastodon serves from public/ that API responses and browsers ask for. */
export function staticRoutes(app: FastifyInstance) {
  const serve = (path: string, type: string, cacheControl: string) => {
    app.get(`/${path}`, { config: { staticAsset: true } }, async (_request, reply) => {
      const body = await readFile(new URL(path, PUBLIC_DIR));
      return reply.type(type).header('cache-control', cacheControl).send(body);
    });
  };
  for (const path of ['avatars/original/missing.png', 'headers/original/missing.png']) serve(path, 'image/png', IMMUTABLE);
  for (const size of APP_ICON_SIZES) serve(appIconPath(size).slice(1), 'image/png', WEEK);
  serve('apple-touch-icon.png', 'image/png', WEEK);
  serve('favicon.ico', 'image/x-icon', WEEK);
  app.get(STYLESHEET_ROUTE, { config: { staticAsset: true } }, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', IMMUTABLE).send(STYLESHEET));
  app.get(WEBAUTHN_SCRIPT_ROUTE, { config: { staticAsset: true } }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', IMMUTABLE).send(WEBAUTHN_SCRIPT));
}
