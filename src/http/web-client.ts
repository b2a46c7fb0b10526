import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { CLIENT_BUILD_DIR } from '../roles/client-build.ts';
import { webClientApplication } from '../services/oauth/web-client-application.ts';
import { useClientPolicy } from './plugins/security-headers.ts';

/** Vite names every asset by its content's hash: caches may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The members' web client (client/, built by Vite): one page at `/home` and at the paths Mastodon's
 * web app uses (`/notifications`, `/web/*`), its hashed assets under `/web/assets/`. `/explore`,
 * `/@user` and `/tags/:tag` stay the server-rendered public pages.
 */
export function webClientRoutes(app: FastifyInstance, ctx: AppContext) {
  const storage = ctx.config.storage;
  const mediaOrigin = storage.kind === 's3' ? new URL(storage.publicBaseUrl).origin : undefined;
  const page = async (_request: unknown, reply: FastifyReply) => {
    const html = await readFile(join(CLIENT_BUILD_DIR, 'index.html'), 'utf8').catch(() => undefined);
    if (html === undefined) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The web client is not built: run `npm run build:client` (or `npm install`).');
    }
    // the client signs in as the instance's own OAuth application, which it learns from the page
    const { uid } = await webClientApplication(ctx);
    const withClientId = html.replace('</head>', `<meta name="subspace-client-id" content="${uid}" />\n  </head>`);
    useClientPolicy(reply, { streaming: ctx.config.streamingApiBaseUrl, media: mediaOrigin });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(withClientId);
  };
  for (const path of ['/home', '/notifications', '/web', '/web/*']) app.get(path, page);

  app.get('/web/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = TYPES[extname(file)];
    const body = type && /^[\w.-]+$/.test(file) ? await readFile(join(CLIENT_BUILD_DIR, 'assets', file)).catch(() => undefined) : undefined;
    if (!body) return reply.status(404).send({ error: 'Record not found' });
    return reply.type(type!).header('cache-control', IMMUTABLE).send(body);
  });
}
