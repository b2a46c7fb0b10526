import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { serializeWebPushSubscription } from '../../../serializers/web-push-subscription.ts';
import { subscribe, subscriptionOfToken, unsubscribeTokens, updateSubscriptionData, type DataInput } from '../../../services/notifications/web-push-subscriptions.ts';
import { authorize, currentUser, presentedToken } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

const PUSH = authorize({ scopes: ['push'], user: true });

function hash(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `{ admin: { sign_up: true } }` read as `admin.sign_up`, as masto.js nests the admin alerts. */
function flatAlerts(alerts: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(alerts).flatMap(([type, value]) => (hash(value) && !prefix ? flatAlerts(hash(value)!, `${type}.`) : [[`${prefix}${type}`, value] as [string, unknown]]));
}

/**
 * `data[alerts][<type>]` and `data[policy]`, read as Rails' strong parameters read them (absent: no
 * alerts, policy `all`); a top-level `policy` too, where masto.js sends it.
 */
function dataParams(input: Record<string, unknown>): DataInput {
  const data = hash(input.data);
  const alerts = hash(data?.alerts) ?? {};
  return {
    alerts: Object.fromEntries(flatAlerts(alerts).map(([type, value]) => [type, railsBoolean(value) === true])),
    policy: text(data?.policy) ?? text(input.policy),
  };
}

/** `/api/v1/push/subscription`: the Web Push subscription of the access token making the request (one per token). */
export function pushSubscriptionRoutes(app: FastifyInstance, ctx: AppContext) {
  const render = (row: Parameters<typeof serializeWebPushSubscription>[0]) => serializeWebPushSubscription(row, ctx.config.vapid?.publicKey ?? '');
  const tokenId = (request: FastifyRequest) => currentUser(request).auth.tokenId;

  app.post('/api/v1/push/subscription', { preHandler: PUSH }, async (request) => {
    const { user, auth } = currentUser(request);
    if (!ctx.config.vapid) throw new ApiError(503, 'Web Push is not enabled on this server (VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY are not set)');
    const input = params(request);
    const subscription = hash(input.subscription);
    if (!subscription) throw new ApiError(400, 'param is missing or the value is empty: subscription');
    const keys = hash(subscription.keys);
    const row = await subscribe(
      ctx,
      { userId: user.id, tokenId: auth.tokenId, token: presentedToken(request)! },
      { endpoint: text(subscription.endpoint), p256dh: text(keys?.p256dh), auth: text(keys?.auth), standard: railsBoolean(subscription.standard) === true },
      dataParams(input),
    );
    return render(row);
  });

  app.get('/api/v1/push/subscription', { preHandler: PUSH }, async (request) => {
    const row = await subscriptionOfToken(ctx, tokenId(request));
    if (!row) throw notFound();
    return render(row);
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/v1/push/subscription',
      preHandler: PUSH,
      handler: async (request) => {
        const row = await updateSubscriptionData(ctx, tokenId(request), dataParams(params(request)));
        if (!row) throw notFound();
        return render(row);
      },
    });
  }

  app.delete('/api/v1/push/subscription', { preHandler: PUSH }, async (request) => {
    await unsubscribeTokens(ctx, [tokenId(request)]);
    return {};
  });
}
