import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { dismissNotification, unreadNotificationsCount } from '../../../services/notifications/notification-actions.ts';
import { notFound } from '../../../lib/errors.ts';
import { listParam, ownRecord } from '../../params.ts';
import { rowId } from '../../../lib/ids.ts';
import { currentPolicy, updatePolicy } from '../../../services/notifications/notification-policy.ts';
import { renderPolicyV1, type PolicyKey } from '../../../serializers/notification-policy.ts';
import {
  acceptNotificationRequests,
  dismissNotificationRequests,
  findNotificationRequests,
  listNotificationRequests,
  pendingRequestsSummary,
} from '../../../services/notifications/notification-requests.ts';
import { renderNotificationRequests } from '../../../presenters/notification-requests.ts';
import { clearNotifications, findNotification, listNotifications, type NotificationQuery } from '../../../services/notifications/notifications.ts';
import { renderNotifications } from '../../../presenters/notifications.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { ApiError } from '../../../lib/errors.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:notifications'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:notifications'], user: true }) };

export function notificationQuery(request: FastifyRequest): NotificationQuery {
  const input = params(request);
  const accountId = text(input.account_id);
  return {
    types: listParam(input.types),
    excludeTypes: listParam(input.exclude_types),
    // an account id that cannot exist matches nothing
    accountId: accountId ? (rowId(accountId) ?? '0') : undefined,
    includeFiltered: railsBoolean(input.include_filtered) === true,
  };
}

/** `id[]` of the bulk request actions; ids that cannot exist are left out. */
const requestIds = (request: FastifyRequest) => [
  ...new Set(
    listParam(params(request).id)
      .map(rowId)
      .filter((id): id is string => !!id),
  ),
];

/** The `limit` of the unread counts: 100 by default, at most 1000. */
export function countLimit(request: FastifyRequest): number {
  const raw = text(params(request).limit);
  if (raw === undefined || raw === '') return 100;
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, 'limit must be a number');
  return Math.min(Math.max(Number(raw), 1), 1000);
}

/** `/api/v1/notifications`: one entry per notification. */
export function notificationsV1Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/notifications', read, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 40, 80);
    const rows = await listNotifications(ctx, account.id, notificationQuery(request), page);
    setLinkHeader(ctx.config, request, reply, rows);
    return renderNotifications(ctx, account.id, rows);
  });

  app.get('/api/v1/notifications/unread_count', read, async (request) => {
    const { account } = currentUser(request);
    return { count: await unreadNotificationsCount(ctx, account.id, notificationQuery(request), countLimit(request)) };
  });

  app.post('/api/v1/notifications/clear', write, async (request) => {
    const { account } = currentUser(request);
    await clearNotifications(ctx, account.id);
    return {};
  });

  // Notification requests: mentions the member's policy filtered, one request per sender
  app.get('/api/v1/notifications/requests', read, async (request, reply) => {
    const { account } = currentUser(request);
    const rows = await listNotificationRequests(ctx, account.id, pageRequest(request, 40, 80));
    setLinkHeader(ctx.config, request, reply, rows);
    return renderNotificationRequests(ctx, account.id, rows);
  });
  // requests are merged before accept answers (see acceptNotificationRequests)
  app.get('/api/v1/notifications/requests/merged', read, async () => ({ merged: true }));
  app.post('/api/v1/notifications/requests/accept', write, async (request) => {
    const { account } = currentUser(request);
    await acceptNotificationRequests(ctx, account.id, await findNotificationRequests(ctx, account.id, requestIds(request)));
    return {};
  });
  app.post('/api/v1/notifications/requests/dismiss', write, async (request) => {
    const { account } = currentUser(request);
    await dismissNotificationRequests(ctx, account.id, await findNotificationRequests(ctx, account.id, requestIds(request)));
    return {};
  });
  const oneRequest = async (request: FastifyRequest) => {
    const { account } = currentUser(request);
    const id = rowId((request.params as { id: string }).id);
    const [row] = id ? await findNotificationRequests(ctx, account.id, [id]) : [];
    if (!row) throw notFound();
    return row;
  };
  app.get('/api/v1/notifications/requests/:id', read, async (request) => {
    const [rendered] = await renderNotificationRequests(ctx, currentUser(request).account.id, [await oneRequest(request)]);
    if (!rendered) throw notFound();
    return rendered;
  });
  app.post('/api/v1/notifications/requests/:id/accept', write, async (request) => {
    await acceptNotificationRequests(ctx, currentUser(request).account.id, [await oneRequest(request)]);
    return {};
  });
  app.post('/api/v1/notifications/requests/:id/dismiss', write, async (request) => {
    await dismissNotificationRequests(ctx, currentUser(request).account.id, [await oneRequest(request)]);
    return {};
  });

  app.get('/api/v1/notifications/policy', read, async (request) => {
    const { account, user } = currentUser(request);
    return renderPolicyV1(currentPolicy(user.settings), await pendingRequestsSummary(ctx, account.id));
  });

  const updateV1Policy = async (request: FastifyRequest) => {
    const { account, user } = currentUser(request);
    const input = params(request);
    const changes: Partial<Record<PolicyKey, string>> = {};
    const map: [string, PolicyKey][] = [
      ['filter_not_following', 'for_not_following'],
      ['filter_not_followers', 'for_not_followers'],
      ['filter_new_accounts', 'for_new_accounts'],
      ['filter_private_mentions', 'for_private_mentions'],
    ];
    for (const [param, key] of map) {
      const value = railsBoolean(input[param]);
      if (typeof value === 'boolean') changes[key] = value ? 'filter' : 'accept';
    }
    return renderPolicyV1(await updatePolicy(ctx, user.id, user.settings, changes), await pendingRequestsSummary(ctx, account.id));
  };
  app.put('/api/v1/notifications/policy', write, updateV1Policy);
  app.patch('/api/v1/notifications/policy', write, updateV1Policy);

  app.get('/api/v1/notifications/:id', read, async (request) => {
    const { account } = currentUser(request);
    const id = rowId((request.params as { id: string }).id);
    const row = id ? await findNotification(ctx, account.id, id) : undefined;
    const [rendered] = row ? await renderNotifications(ctx, account.id, [row]) : [];
    if (!rendered) throw notFound();
    return rendered;
  });

  app.post('/api/v1/notifications/:id/dismiss', write, async (request) => {
    await ownRecord(request, (accountId, id) => dismissNotification(ctx, accountId, id));
    return {};
  });
}
