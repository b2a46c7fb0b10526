import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { tagFollows, tags } from '../../../db/schema.ts';
import { finishPage, pageCondition, pageOrder } from '../../../services/pagination.ts';
import { renderTags } from '../../../services/tag-entities.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

/** `GET /api/v1/followed_tags`: paginated by the follow's id. */
export function followedTagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/followed_tags', { preHandler: authorize({ scopes: ['follow', 'read:follows'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 100, 200);
    const rows = finishPage(
      await ctx.db
        .select({ followId: tagFollows.id, tag: tags })
        .from(tagFollows)
        .innerJoin(tags, eq(tags.id, tagFollows.tagId))
        .where(sql`${tagFollows.accountId} = ${account.id} AND ${pageCondition(tagFollows.id, page)}`)
        .orderBy(pageOrder(tagFollows.id, page))
        .limit(page.limit),
      page,
    );
    setLinkHeader(ctx.config, request, reply, rows.map((row) => row.followId));
    return renderTags(ctx, rows.map((row) => row.tag), account.id);
  });
}
