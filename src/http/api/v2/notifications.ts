import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { dismissNotificationGroup } from '../../../services/notifications/notification-actions.ts';
import { notFound } from '../../../lib/errors.ts';
import { renderAccountsById } from '../../../presenters/accounts.ts';
import { listParam } from '../../params.ts';
import { currentPolicy, updatePolicy } from '../../../services/notifications/notification-policy.ts';
import { POLICY_KEYS, renderPolicyV2, type PolicyKey } from '../../../serializers/notification-policy.ts';
import { pendingRequestsSummary } from '../../../services/notifications/notification-requests.ts';
import { clearNotifications, GROUPABLE_TYPES, groupMembers, loadGroups, notificationsMarker, pageOfGroups } from '../../../services/notifications/notifications.ts';
import { renderGroups } from '../../../presenters/notifications.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';
import { countLimit, notificationQuery } from '../v1/notifications.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:notifications'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:notifications'], user: true }) };

/** `grouped_types[]`: the groupable types the client wants grouped (all of them by default). */
function groupedTypes(request: FastifyRequest): string[] {
  const asked = listParam(params(request).grouped_types);
  if (asked.length === 0) return [...GROUPABLE_TYPES];
  return asked.filter((type) => (GROUPABLE_TYPES as readonly string[]).includes(type));
}

const groupKeyParam = (request: FastifyRequest) => {
  const p = request.params as { group_key?: string; notification_group_key?: string };
  return p.group_key ?? p.notification_group_key ?? '';
};

/** `/api/v2/notifications`: notifications grouped (Mastodon 4.3+). */
export function notificationsV2Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/notifications', read, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 40, 80);
    const query = notificationQuery(request);
    const grouped = groupedTypes(request);
    const partialAvatars = text(params(request).expand_accounts) === 'partial_avatars';
    const entries = await pageOfGroups(ctx, account.id, query, grouped, page);
    if (entries.length === 0) return { accounts: [], statuses: [], notification_groups: [], ...(partialAvatars ? { partial_accounts: [] } : {}) };
    const ids = entries.map((e) => e.representativeId);
    // the page spans its groups' notifications; a last, incomplete page reaches the end of the list
    let range: { lo?: string; hi?: string } = { lo: ids[ids.length - 1], hi: ids[0] };
    if (entries.length < page.limit) {
      if (page.minId) range = { lo: ids[ids.length - 1], hi: page.maxId ? (BigInt(page.maxId) - 1n).toString() : undefined };
      else range = { lo: page.sinceId ? (BigInt(page.sinceId) + 1n).toString() : undefined, hi: ids[0] };
    }
    const groups = await loadGroups(ctx, account.id, query, entries, range);
    setLinkHeader(ctx.config, request, reply, ids);
    return renderGroups(ctx, account.id, groups, { partialAvatars });
  });

  app.get('/api/v2/notifications/unread_count', read, async (request) => {
    const { account } = currentUser(request);
    const marker = await notificationsMarker(ctx, account.id);
    const entries = await pageOfGroups(ctx, account.id, notificationQuery(request), groupedTypes(request), { minId: marker, limit: countLimit(request) });
    return { count: entries.length };
  });

  app.post('/api/v2/notifications/clear', write, async (request) => {
    const { account } = currentUser(request);
    await clearNotifications(ctx, account.id);
    return {};
  });

  app.get('/api/v2/notifications/policy', read, async (request) => {
    const { account, user } = currentUser(request);
    return renderPolicyV2(currentPolicy(user.settings), await pendingRequestsSummary(ctx, account.id));
  });

  const updateV2Policy = async (request: FastifyRequest) => {
    const { account, user } = currentUser(request);
    const input = params(request);
    const changes: Partial<Record<PolicyKey, string>> = {};
    for (const key of POLICY_KEYS) if (input[key] !== undefined) changes[key] = text(input[key]) ?? '';
    return renderPolicyV2(await updatePolicy(ctx, user.id, user.settings, changes), await pendingRequestsSummary(ctx, account.id));
  };
  app.put('/api/v2/notifications/policy', write, updateV2Policy);
  app.patch('/api/v2/notifications/policy', write, updateV2Policy);

  app.get('/api/v2/notifications/:group_key', read, async (request) => {
    const { account } = currentUser(request);
    const groupKey = groupKeyParam(request);
    const groups = await loadGroups(ctx, account.id, { includeFiltered: true }, [{ groupKey, representativeId: '' }], {});
    if (groups.length === 0) throw notFound();
    return renderGroups(ctx, account.id, groups);
  });

  app.get('/api/v2/notifications/:notification_group_key/accounts', read, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 40, 80);
    const members = await groupMembers(ctx, account.id, groupKeyParam(request));
    if (members.length === 0) throw notFound();
    const inPage = members
      .filter((m) => (!page.maxId || BigInt(m.id) < BigInt(page.maxId)) && (!page.sinceId || BigInt(m.id) > BigInt(page.sinceId)) && (!page.minId || BigInt(m.id) > BigInt(page.minId)))
      .slice(...(page.minId ? [-page.limit] : [0, page.limit]));
    const accountsById = await renderAccountsById(
      ctx,
      inPage.map((m) => m.fromAccountId),
    );
    setLinkHeader(ctx.config, request, reply, inPage);
    return inPage.map((m) => accountsById.get(m.fromAccountId)).filter((a) => !!a);
  });

  app.post('/api/v2/notifications/:group_key/dismiss', write, async (request) => {
    const { account } = currentUser(request);
    await dismissNotificationGroup(ctx, account.id, groupKeyParam(request));
    return {};
  });
}
