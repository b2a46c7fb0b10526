import { and, eq, count } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { featuredTags, tagFollows } from '../../../db/schema.ts';
import { notFound, validationFailed } from '../../../lib/errors.ts';
import { FEATURED_TAGS_LIMIT, findOrCreateTag, findTagByName, renderTag } from '../../../services/tag-entities.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';

const follow = { preHandler: authorize({ scopes: ['follow', 'write:follows'], user: true }) };
const feature = { preHandler: authorize({ scopes: ['write:accounts'], user: true }) };

const nameParam = (request: FastifyRequest) => (request.params as { id: string }).id;

/** Adds a featured tag to a profile, up to Mastodon's limit of ten; featuring one again is a no-op. */
export async function featureTag(ctx: AppContext, accountId: string, tagId: string) {
  const [existing] = await ctx.db.select().from(featuredTags).where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tagId)));
  if (existing) return existing;
  const [{ value }] = (await ctx.db.select({ value: count() }).from(featuredTags).where(eq(featuredTags.accountId, accountId))) as [{ value: number }];
  if (Number(value) >= FEATURED_TAGS_LIMIT) throw validationFailed(['You have already featured the maximum number of hashtags']);
  await ctx.db.insert(featuredTags).values({ accountId, tagId }).onConflictDoNothing();
  const [row] = await ctx.db.select().from(featuredTags).where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tagId)));
  return row!;
}

/** `/api/v1/tags/:id` (the id is the tag's name). */
export function tagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/tags/:id', { preHandler: authorizeIfToken(['read', 'read:statuses']) }, async (request) => {
    const tag = await findTagByName(ctx, nameParam(request));
    if (!tag) throw notFound();
    return renderTag(ctx, tag, viewerOf(request));
  });

  app.post('/api/v1/tags/:id/follow', follow, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await ctx.db.insert(tagFollows).values({ accountId: account.id, tagId: tag.id }).onConflictDoNothing();
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/unfollow', follow, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await ctx.db.delete(tagFollows).where(and(eq(tagFollows.accountId, account.id), eq(tagFollows.tagId, tag.id)));
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/feature', feature, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await featureTag(ctx, account.id, tag.id);
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/unfeature', feature, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await ctx.db.delete(featuredTags).where(and(eq(featuredTags.accountId, account.id), eq(featuredTags.tagId, tag.id)));
    return renderTag(ctx, tag, account.id);
  });
}
