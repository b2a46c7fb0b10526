import { renderAccountRows } from '../../../presenters/accounts.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { userRolesOf } from '../../../services/accounts/account-pages.ts';
import { ApiError } from '../../../lib/errors.ts';
import { addListAccounts, createList, deleteList, findOwnList, listMembers, listsOf, removeListAccounts, updateList, type ListInput } from '../../../services/relationships/lists.ts';
import { renderList } from '../../../serializers/list.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { textList } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

function listInput(request: FastifyRequest): ListInput {
  const input = params(request);
  const result: ListInput = {};
  if (input.title !== undefined) result.title = text(input.title) ?? '';
  if (input.replies_policy !== undefined) result.repliesPolicy = text(input.replies_policy) ?? '';
  const exclusive = railsBoolean(input.exclusive);
  if (typeof exclusive === 'boolean') result.exclusive = exclusive;
  return result;
}

function accountIds(request: FastifyRequest): string[] {
  return textList(params(request).account_ids);
}

export function listsRoutes(app: FastifyInstance, ctx: AppContext) {
  const read = { preHandler: authorize({ scopes: ['read:lists'], user: true }) };
  const write = { preHandler: authorize({ scopes: ['write:lists'], user: true }) };

  app.get('/api/v1/lists', read, async (request) => {
    const { account } = currentUser(request);
    return (await listsOf(ctx, account.id)).map(renderList);
  });

  app.post('/api/v1/lists', write, async (request) => {
    const { account } = currentUser(request);
    return renderList(await createList(ctx, account.id, listInput(request)));
  });

  app.get<{ Params: { id: string } }>('/api/v1/lists/:id', read, async (request) => {
    const { account } = currentUser(request);
    return renderList(await findOwnList(ctx, account.id, request.params.id));
  });

  app.put<{ Params: { id: string } }>('/api/v1/lists/:id', write, async (request) => {
    const { account } = currentUser(request);
    return renderList(await updateList(ctx, account.id, request.params.id, listInput(request)));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/lists/:id', write, async (request) => {
    const { account } = currentUser(request);
    await deleteList(ctx, account.id, request.params.id);
    return {};
  });

  app.get<{ Params: { id: string } }>('/api/v1/lists/:id/accounts', read, async (request, reply) => {
    const { account } = currentUser(request);
    const list = await findOwnList(ctx, account.id, request.params.id);
    // limit=0 returns every member, unpaginated
    const unlimited = text(params(request).limit) === '0';
    const page = pageRequest(request, 40, 80);
    const rows = await listMembers(ctx, list, { ...page, limit: unlimited ? null : page.limit });
    if (!unlimited) setLinkHeader(ctx.config, request, reply, rows, (row) => row.entryId);
    const roleOf = await userRolesOf(
      ctx,
      rows.map((row) => row.account.id),
    );
    return renderAccountRows(
      ctx,
      rows.map((row) => ({ account: row.account, user: roleOf.get(row.account.id) ?? null })),
    );
  });

  app.post<{ Params: { id: string } }>('/api/v1/lists/:id/accounts', write, async (request) => {
    const { account } = currentUser(request);
    const ids = accountIds(request);
    if (ids.length === 0) throw new ApiError(400, 'param is missing or the value is empty: account_ids');
    await addListAccounts(ctx, account.id, request.params.id, ids);
    return {};
  });

  app.delete<{ Params: { id: string } }>('/api/v1/lists/:id/accounts', write, async (request) => {
    const { account } = currentUser(request);
    await removeListAccounts(ctx, account.id, request.params.id, accountIds(request));
    return {};
  });
}
