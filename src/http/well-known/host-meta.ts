import type { FastifyInstance } from 'fastify';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { escapeHtml } from '../../lib/html.ts';

/** `/.well-known/host-meta`: where WebFinger is (its `lrdd` template), as XRD or, with `?format=json`, JSON, as Mastodon serves it. */
export function hostMetaRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/.well-known/host-meta', async (request, reply) => {
    const template = `${baseUrl(ctx.config)}/.well-known/webfinger?resource={uri}`;
    reply.header('cache-control', 'max-age=259200, public');
    if ((request.query as Record<string, unknown>).format === 'json') {
      return reply.type('application/json; charset=utf-8').send({ links: [{ rel: 'lrdd', template }] });
    }
    return reply
      .type('application/xrd+xml; charset=utf-8')
      .send(`<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${escapeHtml(template)}"/>\n</XRD>\n`);
  });
}
