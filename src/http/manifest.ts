import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { appIcons } from '../services/instance/app-icons.ts';
import { getSettings } from '../services/accounts/settings.ts';

/**
 * The web app manifest (Mastodon's ManifestsController at `/manifest`, also `/manifest.json`), which
 * browsers and apps read for the instance's name and icons. There is no web client yet, so no
 * share target or shortcuts are offered.
 */
export function manifestRoutes(app: FastifyInstance, ctx: AppContext) {
  const manifest = async () => {
    const settings = await getSettings(ctx);
    return {
      id: '/',
      name: settings.site_title,
      short_name: settings.site_title,
      description: settings.site_short_description,
      icons: appIcons(ctx.config).map(({ src, size }) => ({ src, sizes: size, type: 'image/png', purpose: 'any maskable' })),
      theme_color: '#191b22',
      background_color: '#191b22',
      display: 'standalone',
      start_url: '/',
      scope: '/',
    };
  };
  for (const path of ['/manifest', '/manifest.json']) {
    app.get(path, async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=180');
      return manifest();
    });
  }
}
