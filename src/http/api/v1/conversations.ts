import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { accountConversations } from '../../../db/schema.ts';
import { notFound } from '../../../lib/errors.ts';
import { renderConversations } from '../../../services/conversations.ts';
import { rowId } from '../../../lib/ids.ts';
import { finishPage, pageCondition, pageOrder } from '../../../services/pagination.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:statuses'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:conversations'], user: true }) };

async function ownConversation(ctx: AppContext, request: FastifyRequest) {
  const { account } = currentUser(request);
  const id = rowId((request.params as { id: string }).id);
  if (!id) throw notFound();
  const [row] = await ctx.db
    .select()
    .from(accountConversations)
    .where(and(eq(accountConversations.id, id), eq(accountConversations.accountId, account.id)));
  if (!row) throw notFound();
  return row;
}

/** `/api/v1/conversations`: direct-message threads, newest last status first. */
export function conversationsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/conversations', read, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 20, 40);
    const rows = finishPage(
      await ctx.db
        .select()
        .from(accountConversations)
        .where(and(eq(accountConversations.accountId, account.id), isNotNull(accountConversations.lastStatusId), sql`${pageCondition(accountConversations.lastStatusId, page)}`))
        .orderBy(pageOrder(accountConversations.lastStatusId, page))
        .limit(page.limit),
      page,
    );
    setLinkHeader(ctx.config, request, reply, rows.map((row) => row.lastStatusId!));
    return renderConversations(ctx, account.id, rows);
  });

  const setUnread = (unread: boolean) => async (request: FastifyRequest) => {
    const row = await ownConversation(ctx, request);
    const [updated] = await ctx.db.update(accountConversations).set({ unread }).where(eq(accountConversations.id, row.id)).returning();
    return (await renderConversations(ctx, row.accountId, [updated!]))[0];
  };
  app.post('/api/v1/conversations/:id/read', write, setUnread(false));
  app.post('/api/v1/conversations/:id/unread', write, setUnread(true));

  app.delete('/api/v1/conversations/:id', write, async (request) => {
    const row = await ownConversation(ctx, request);
    await ctx.db.delete(accountConversations).where(eq(accountConversations.id, row.id));
    return {};
  });
}
