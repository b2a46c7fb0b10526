import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { loadTagFeed, loadTagStatuses } from '../../presenters/public-pages.ts';
import { findTagByName } from '../../services/statuses/tag-entities.ts';
import { tagPage } from '../views/public/instance-pages.ts';
import { rssFeed } from '../views/public/rss.ts';
import { loadSite, maxIdOf, sendHtml, sentToSignIn, wantsActivityPub } from './site.ts';

/** Mastodon's TagsController::PAGE_SIZE. */
const PAGE_SIZE = 20;

/** Mastodon's `Tag.usable.find_normalized!`: a hashtag staff disabled has no page. */
async function usableTag(ctx: AppContext, name: string) {
  const tag = await findTagByName(ctx, name);
  return tag?.usable ? tag : undefined;
}

/** `/tags/:tag.rss` (TagsController's RSS): the hashtag's latest public posts from this server. */
async function tagFeed(ctx: AppContext, reply: FastifyReply, name: string) {
  const tag = await usableTag(ctx, name);
  if (!tag) return reply.callNotFound();
  const site = await loadSite(ctx);
  const { statuses, files } = await loadTagFeed(ctx, tag.name);
  const path = `/tags/${encodeURIComponent(tag.name)}`;
  const channel = { title: `#${tag.name}`, description: `Public posts tagged #${tag.name}`, link: `${site.base}${path}`, self: `${site.base}${path}.rss` };
  return reply
    .header('cache-control', 'public, max-age=60')
    .type('application/rss+xml; charset=utf-8')
    .send(rssFeed(channel, statuses, files));
}

/**
 * `/tags/:tag` asked for ActivityPub (TagsController's `format.json`): an OrderedCollection of the
 * URIs of the hashtag's latest public posts from this server, paginated by `max_id`.
 */
async function tagCollection(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, name: string) {
  const site = await loadSite(ctx);
  const { statuses } = await loadTagStatuses(ctx, name, { local: true }, { maxId: maxIdOf(request), limit: PAGE_SIZE });
  return reply
    .header('vary', 'Accept')
    .header('cache-control', 'public, max-age=180')
    .type('application/activity+json; charset=utf-8')
    .send({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${site.base}/tags/${encodeURIComponent(name)}`,
      type: 'OrderedCollection',
      orderedItems: statuses.map((status) => status.uri),
    });
}

/** `/tags/:tag`: the hashtag's public posts, when the admin lets visitors preview timelines (`?local=true`: this server's only). */
export function tagPageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/tags/:tag', async (request, reply) => {
    const { tag: param } = request.params as { tag: string };
    if (await sentToSignIn(ctx, request, reply)) return reply;
    if (param.endsWith('.rss')) return tagFeed(ctx, reply, param.slice(0, -'.rss'.length));
    const tag = await usableTag(ctx, param);
    if (!tag) return reply.callNotFound();
    if (wantsActivityPub(request)) return tagCollection(ctx, request, reply, tag.name);
    const site = await loadSite(ctx);
    const local = (request.query as Record<string, unknown>).local === 'true';
    const data = site.settings.timeline_preview ? await loadTagStatuses(ctx, tag.name, { local }, { maxId: maxIdOf(request), limit: PAGE_SIZE }) : null;
    return sendHtml(reply, tagPage(site, tag.name, data, local));
  });
}
