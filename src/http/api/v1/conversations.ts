import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderConversations } from '../../../presenters/conversations.ts';
import { conversationsPage, markConversation, ownConversation as findOwnConversation, removeConversation } from '../../../services/statuses/own-conversations.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { ownRecord } from '../../params.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:statuses'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:conversations'], user: true }) };

const ownConversation = (ctx: AppContext, request: FastifyRequest) => ownRecord(request, (accountId, id) => findOwnConversation(ctx, accountId, id));

/** `/api/v1/conversations`: direct-message threads, newest last status first. */
export function conversationsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/conversations', read, async (request, reply) => {
    const { account } = currentUser(request);
    const rows = await conversationsPage(ctx, account.id, pageRequest(request, 20, 40));
    setLinkHeader(ctx.config, request, reply, rows, (row) => row.lastStatusId!);
    return renderConversations(ctx, account.id, rows);
  });

  const setUnread = (unread: boolean) => async (request: FastifyRequest) => {
    const row = await ownConversation(ctx, request);
    const updated = await markConversation(ctx, row.id, unread);
    return (await renderConversations(ctx, row.accountId, [updated!]))[0];
  };
  app.post('/api/v1/conversations/:id/read', write, setUnread(false));
  app.post('/api/v1/conversations/:id/unread', write, setUnread(true));

  app.delete('/api/v1/conversations/:id', write, async (request) => {
    const row = await ownConversation(ctx, request);
    await removeConversation(ctx, row.id);
    return {};
  });
}
