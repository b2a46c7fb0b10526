import { createFederation, type Context, type Federation, type FederationFetchOptions, type Message } from '@fedify/fedify';
import { Activity, Object as APObject } from '@fedify/vocab';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { ActivityPubDelivery, ActivityPubFanout, ActivityPubProcessing } from '../jobs/definitions.ts';
import { SUBSPACE_VERSION } from '../lib/instance-limits.ts';
import { dispatchActor, dispatchKeyPairs, mapHandle } from './actors.ts';
import { authorizeActorFetch, authorizeObjectFetch, statusServedTo } from './authorize.ts';
import { registerCollections } from './collections.ts';
import { registerEmojiObjects } from './emojis.ts';
import { registerInboxListeners } from './inbox/index.ts';
import { CacheKvStore } from './kv-store.ts';
import { routeFedifyLogs } from './logging.ts';
import { JobMessageQueue, restoreQueuedTask } from './message-queue.ts';
import { deliverableMessage, deliveryRetryPolicy, PERMANENT_FAILURE_STATUS_CODES, recordOutboxError, runTrackedTask } from './delivery-failures.ts';
import { nodeInfo } from './nodeinfo.ts';
import { SIGNATURE_FIRST_KNOCK, SIGNATURE_SPEC_PREFIX } from './signature-spec.ts';
import { outboundPolicy, withOutboundPolicy, type OutboundPolicy } from '../lib/outbound-fetch.ts';
import { ACTOR_PATH, INBOX_PATH, INSTANCE_ACTOR, NODEINFO_PATH, SHARED_INBOX_PATH, STATUS_ACTIVITY_PATH, STATUS_PATH } from './paths.ts';
import { findLocalStatus, statusActivities, statusObjects } from './statuses.ts';

interface InstanceFederation {
  federation: Federation<AppContext>;
  policy: OutboundPolicy;
}

// One Federation per booted instance (tests boot several in one process), made on first use.
const federations = new WeakMap<AppContext, InstanceFederation>();

function registerStatusObjects(federation: Federation<AppContext>) {
  // Only public and unlisted posts are served to anyone who asks; the rest will need authorized fetch.
  federation
    .setObjectDispatcher(APObject, STATUS_PATH, async (fctx, { actor, id }) => {
      const found = await findLocalStatus(fctx.data, actor, id);
      if (!found || found.status.reblogOfId || !(await statusServedTo(fctx, found.status))) return null;
      const [object] = await statusObjects(fctx, [found]);
      return object ?? null;
    })
    .authorize(authorizeObjectFetch);
  federation
    .setObjectDispatcher(Activity, STATUS_ACTIVITY_PATH, async (fctx, { actor, id }) => {
      const found = await findLocalStatus(fctx.data, actor, id);
      if (!found || !(await statusServedTo(fctx, found.status))) return null;
      const [activity] = await statusActivities(fctx, [found]);
      return activity ?? null;
    })
    .authorize(authorizeObjectFetch);
}

function buildFederation(ctx: AppContext): InstanceFederation {
  const { config } = ctx;
  routeFedifyLogs(ctx.log);
  // Mastodon's shape: `http.rb/5.2.0 (Mastodon/4.3.0; +https://example.com/)`
  const userAgent = `Subspace/${SUBSPACE_VERSION} (Fedify; +${baseUrl(config)}/)`;
  const federation = createFederation<AppContext>({
    kv: new CacheKvStore(ctx.cache),
    queue: {
      inbox: new JobMessageQueue(ctx.queue, ActivityPubProcessing),
      // deliveries the queue cannot take wait in deferred_jobs (src/jobs/enqueue.ts)
      outbox: new JobMessageQueue(ctx, ActivityPubDelivery, deliverableMessage(ctx)),
      fanout: new JobMessageQueue(ctx, ActivityPubFanout, deliverableMessage(ctx)),
    },
    // Fedify never listens itself: its tasks are jobs, run by whichever worker serves their queue.
    manuallyStartQueue: true,
    origin: { handleHost: config.localDomain, webOrigin: baseUrl(config) },
    // Fedify's switch is all or nothing; the listed ranges are enforced by outbound-fetch.ts.
    allowPrivateAddress: config.allowedPrivateAddresses.length > 0,
    userAgent,
    // Unreachable domains are tracked as Mastodon does (delivery-failures.ts), not by Fedify's breaker,
    // which keeps exact counts only on a KvStore with compare-and-swap, which the cache does not offer.
    circuitBreaker: false,
    // Mastodon's DeliveryWorker: no retry for an answer retrying cannot change; the queue retries the rest.
    permanentFailureStatusCodes: PERMANENT_FAILURE_STATUS_CODES,
    outboxRetryPolicy: deliveryRetryPolicy,
    onOutboxError: recordOutboxError,
    // draft-cavage first, RFC 9421 only for an origin that refused it and took RFC 9421 (signature-spec.ts)
    firstKnock: SIGNATURE_FIRST_KNOCK,
    kvPrefixes: { httpMessageSignaturesSpec: [...SIGNATURE_SPEC_PREFIX] },
  });
  federation.setActorDispatcher(ACTOR_PATH, dispatchActor).setKeyPairsDispatcher(dispatchKeyPairs).mapHandle(mapHandle).authorize(authorizeActorFetch);
  registerStatusObjects(federation);
  registerCollections(federation);
  registerEmojiObjects(federation);
  federation.setNodeInfoDispatcher(NODEINFO_PATH, nodeInfo);
  // signers' keys are fetched signed by the instance actor, so servers in authorized fetch mode answer
  registerInboxListeners(federation.setInboxListeners(INBOX_PATH, SHARED_INBOX_PATH).setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR })));
  return { federation, policy: outboundPolicy(config.allowedPrivateAddresses, userAgent) };
}

function instanceFederation(ctx: AppContext): InstanceFederation {
  let found = federations.get(ctx);
  if (!found) {
    found = buildFederation(ctx);
    federations.set(ctx, found);
  }
  return found;
}

/** What this instance's outbound requests may reach, and their limits (for fetches outside Fedify: link previews). */
export function outboundPolicyOf(ctx: AppContext): OutboundPolicy {
  return instanceFederation(ctx).policy;
}

/** This instance's Fedify Federation, for what the helpers below do not cover. */
export function federationOf(ctx: AppContext): Federation<AppContext> {
  return instanceFederation(ctx).federation;
}

/**
 * Runs `fn` with a Fedify context of this instance (to build URIs, look up remote objects or send
 * activities), its outbound requests guarded by ALLOWED_PRIVATE_ADDRESSES, timeouts and size limits.
 * Use it from jobs and services' job handlers; sendActivity() only enqueues delivery jobs.
 * `signal` ends its outbound requests early (a request that must answer within a bound).
 */
export function withFederation<T>(ctx: AppContext, fn: (fctx: Context<AppContext>) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
  const { federation, policy } = instanceFederation(ctx);
  return withOutboundPolicy(options.signal ? { ...policy, signal: options.signal } : policy, () => fn(federation.createContext(new URL(baseUrl(ctx.config)), ctx)));
}

/** Answers an HTTP request on a federation path (the web tier's adapter calls this). */
export function handleFederationRequest(ctx: AppContext, request: Request, options: Omit<FederationFetchOptions<AppContext>, 'contextData'>): Promise<Response> {
  const { federation, policy } = instanceFederation(ctx);
  return withOutboundPolicy(policy, () => federation.fetch(request, { ...options, contextData: ctx }));
}

/** Runs one of Fedify's queued tasks (an inbound activity, a delivery, a fan-out): the job handler of the ActivityPub jobs. */
export function runFederationTask(ctx: AppContext, message: Message): Promise<void> {
  const { federation, policy } = instanceFederation(ctx);
  return withOutboundPolicy(policy, async () => {
    // tasks are queued without their senders' private keys: they are looked up again, and a task whose sender is gone is dropped (message-queue.ts)
    const task = await restoreQueuedTask(ctx, federation.createContext(new URL(baseUrl(ctx.config)), ctx), message);
    if (!task) return;
    // deliveries skip unavailable domains and count their failures; a server that sends us an activity is up (delivery-failures.ts)
    await runTrackedTask(ctx, task, () => federation.processQueuedTask(ctx, task));
  });
}
