import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { featuredTags, tags } from '../../../db/schema.ts';
import { notFound, validationFailed } from '../../../lib/errors.ts';
import { rowId } from '../../../lib/ids.ts';
import { findOrCreateTag, renderFeaturedTags, renderTags, validTagName } from '../../../services/tag-entities.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';
import { featureTag } from './tags.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:accounts'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:accounts'], user: true }) };

async function featuredOf(ctx: AppContext, accountId: string) {
  return ctx.db.select().from(featuredTags).where(eq(featuredTags.accountId, accountId)).orderBy(asc(featuredTags.id));
}

/** `/api/v1/featured_tags` (an account's list, `GET /api/v1/accounts/:id/featured_tags`, lives with the account collections). */
export function featuredTagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/featured_tags', read, async (request) => {
    const { account } = currentUser(request);
    const rendered = await renderFeaturedTags(ctx, account, await featuredOf(ctx, account.id));
    // most used first, as Mastodon lists them
    return rendered.sort((a, b) => Number(b.statuses_count) - Number(a.statuses_count) || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
  });

  app.post('/api/v1/featured_tags', write, async (request) => {
    const { account } = currentUser(request);
    const name = (text(params(request).name) ?? '').trim().replace(/^#/, '');
    if (!name) throw validationFailed(["Name can't be blank"]);
    if (!validTagName(name)) throw validationFailed(['Name is invalid']);
    const tag = await findOrCreateTag(ctx, name);
    if (!tag) throw validationFailed(['Name is invalid']);
    const row = await featureTag(ctx, account.id, tag.id);
    return (await renderFeaturedTags(ctx, account, [row]))[0];
  });

  // the tags the member used most lately that they have not featured yet (Tag.suggestions_for_account)
  app.get('/api/v1/featured_tags/suggestions', read, async (request) => {
    const { account } = currentUser(request);
    const rows = await ctx.db
      .select({ tag: tags })
      .from(tags)
      .where(
        sql`${tags.id} IN (SELECT st.tag_id FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
                             WHERE s.account_id = ${account.id} AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL)
            AND ${tags.id} NOT IN (SELECT tag_id FROM featured_tags WHERE account_id = ${account.id})`,
      )
      .orderBy(
        desc(sql`(SELECT max(s.id) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
                   WHERE st.tag_id = ${tags.id} AND s.account_id = ${account.id} AND s.deleted_at IS NULL)`),
      )
      .limit(10);
    return renderTags(ctx, rows.map((row) => row.tag), account.id);
  });

  app.delete('/api/v1/featured_tags/:id', write, async (request) => {
    const { account } = currentUser(request);
    const id = rowId((request.params as { id: string }).id);
    if (!id) throw notFound();
    const deleted = await ctx.db
      .delete(featuredTags)
      .where(and(eq(featuredTags.id, id), eq(featuredTags.accountId, account.id)))
      .returning({ id: featuredTags.id });
    if (deleted.length === 0) throw notFound();
    return {};
  });
}
