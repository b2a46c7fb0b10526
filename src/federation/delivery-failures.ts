import { AsyncLocalStorage } from 'node:async_hooks';
import { SendActivityError, type Message, type RetryPolicy } from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';
import { eq } from 'drizzle-orm';
import { sidekiqBackoff } from '../backends/queue/index.ts';
import type { AppContext } from '../context.ts';
import { unavailableDomains } from '../db/schema.ts';
import { federatesWithUrl, hostsNotFederatedWith } from '../services/moderation/instance-domain-blocks.ts';
import { observeResponses, type ResponseObserver } from '../lib/outbound-fetch.ts';
import { forgetUnprovenSpec } from './signature-spec.ts';

/**
 * Outbound delivery as Mastodon's ActivityPub::DeliveryWorker and DeliveryFailureTracker do it:
 *
 * - a delivery is tried 17 times in all (Sidekiq's `retry: 16`, the push job's attempts), with
 *   Sidekiq's backoff, a little over two days from the first try to the last;
 * - an answer that retrying cannot change (Mastodon's `response_error_unsalvageable?`: a 4xx other
 *   than 401, 408 and 429, or a 501) ends the delivery at once, and counts as the server being up;
 * - every failed try adds its UTC day to the inbox host's failing days; on the 7th distinct day the
 *   host becomes unavailable (a row in `unavailable_domains`) and nothing is enqueued or sent to it
 *   any more, until a delivery to it succeeds or it sends us a signed request itself.
 *
 * Hosts are URL hosts, with the port when it is not the scheme's default (as remote accounts'
 * domains are). The failing days live in the cache (`exhausted_deliveries:<host>`, a JSON list of
 * `YYYYMMDD`), written at most once a day per host; without compare-and-swap two processes could
 * each add a day at midnight, or resurrect the days a success has just cleared — harmless.
 */

/** Mastodon's DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD. */
export const FAILURE_DAYS_THRESHOLD = 7;

/** Tries after the first (ActivityPub::DeliveryWorker's `retry: 16`); the push job has one more attempt than this. */
export const DELIVERY_RETRIES = 16;

/** Mastodon's `response_error_unsalvageable?`: any 4xx but 401, 408 and 429, and 501. Fedify gives up on these at once. */
export const PERMANENT_FAILURE_STATUS_CODES: readonly number[] = [...Array.from({ length: 100 }, (_, i) => 400 + i).filter((code) => code !== 401 && code !== 408 && code !== 429), 501];

/**
 * Fedify's own retries, used only when an inbox answers 429 or 503 with Retry-After (other failures
 * are retried by the job queue): wait what the server asked, at most DELIVERY_RETRIES times.
 */
export const deliveryRetryPolicy: RetryPolicy = ({ attempts }) => (attempts >= DELIVERY_RETRIES ? null : (Temporal.Duration.from({ milliseconds: sidekiqBackoff(attempts + 1) }) as never));

const FAILURES_PREFIX = 'exhausted_deliveries:';
const UNAVAILABLE_KEY = 'unavailable_domains';
/** The cached list is dropped whenever it changes; the expiry only bounds what a lost deletion could cost. */
const UNAVAILABLE_TTL_SECONDS = 3600;

/** The host deliveries to `inbox` are tracked under, or undefined for a URL that is none. */
export function deliveryHost(inbox: string | URL): string | undefined {
  try {
    return (typeof inbox === 'string' ? new URL(inbox) : inbox).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10).replaceAll('-', '');
}

function parseDays(value: string | null): string[] {
  if (!value) return [];
  try {
    const days: unknown = JSON.parse(value);
    return Array.isArray(days) ? days.filter((day): day is string => typeof day === 'string') : [];
  } catch {
    return [];
  }
}

/** The unavailable hosts (Mastodon's `Rails.cache.fetch('unavailable_domains')`). */
export async function unavailableHosts(ctx: AppContext): Promise<Set<string>> {
  const cached = await ctx.cache.get(UNAVAILABLE_KEY);
  if (cached !== null) return new Set(parseDays(cached));
  const rows = await ctx.db.select({ domain: unavailableDomains.domain }).from(unavailableDomains);
  const domains = rows.map((row) => row.domain);
  await ctx.cache.set(UNAVAILABLE_KEY, JSON.stringify(domains), UNAVAILABLE_TTL_SECONDS);
  return new Set(domains);
}

/** Whether deliveries to `inboxOrHost` (an inbox URL or a host) may be made: its host is not unavailable. */
export async function isDeliveryAvailable(ctx: AppContext, inboxOrHost: string): Promise<boolean> {
  const host = inboxOrHost.includes('/') ? deliveryHost(inboxOrHost) : inboxOrHost.toLowerCase();
  return !host || !(await unavailableHosts(ctx)).has(host);
}

/**
 * The central "may this instance deliver to this inbox now" check, applied to every delivery
 * Fedify enqueues and again when it is sent: the inboxes of `inboxes` whose host is not
 * unavailable (Mastodon's `DeliveryFailureTracker.without_unavailable`). Instance policy
 * (suspended domains, limited federation) can join here.
 */
export async function deliverableInboxes(ctx: AppContext, inboxes: readonly string[]): Promise<string[]> {
  if (inboxes.length === 0) return [];
  const unavailable = await unavailableHosts(ctx);
  const available =
    unavailable.size === 0
      ? [...inboxes]
      : inboxes.filter((inbox) => {
          const host = deliveryHost(inbox);
          return !host || !unavailable.has(host);
        });
  // nothing goes to a suspended domain, nor, in limited federation mode, to one not allowed
  const refused = await hostsNotFederatedWith(
    ctx,
    available.map((inbox) => deliveryHost(inbox) ?? ''),
  );
  return refused.size === 0 ? available : available.filter((inbox) => !refused.has(deliveryHost(inbox) ?? ''));
}

/** The UTC days (`YYYYMMDD`) on which deliveries to `host` failed since its last success. */
export async function failureDays(ctx: AppContext, host: string): Promise<string[]> {
  return parseDays(await ctx.cache.get(FAILURES_PREFIX + host.toLowerCase()));
}

/** A failed try to deliver to `host` (DeliveryFailureTracker#track_failure!): its day counts, and the 7th day makes it unavailable. */
export async function trackDeliveryFailure(ctx: AppContext, host: string, now: Date = new Date()): Promise<void> {
  host = host.toLowerCase();
  const key = FAILURES_PREFIX + host;
  const days = parseDays(await ctx.cache.get(key));
  const today = utcDay(now);
  if (days.includes(today)) return;
  days.push(today);
  days.sort();
  await ctx.cache.set(key, JSON.stringify(days));
  if (days.length < FAILURE_DAYS_THRESHOLD) return;
  const inserted = await ctx.db.insert(unavailableDomains).values({ domain: host }).onConflictDoNothing().returning({ id: unavailableDomains.id });
  await ctx.cache.del(UNAVAILABLE_KEY);
  if (inserted.length > 0) ctx.log.warn({ domain: host, days: days.length }, 'deliveries keep failing: the domain is now unavailable and nothing is sent to it');
}

/**
 * `host` answered (DeliveryFailureTracker#track_success!, or #reset! when it sent us something):
 * its failing days are forgotten and, if it was unavailable, deliveries to it resume.
 */
export async function trackDeliverySuccess(ctx: AppContext, host: string): Promise<void> {
  host = host.toLowerCase();
  const key = FAILURES_PREFIX + host;
  const [days, list] = await ctx.cache.getMany([key, UNAVAILABLE_KEY]);
  if (days !== null) await ctx.cache.del(key);
  // the cached list is authoritative while it exists; without it, the table is read into it (once,
  // not a DELETE per inbound activity)
  const unavailable = list !== null ? parseDays(list) : [...(await unavailableHosts(ctx))];
  if (!unavailable.includes(host)) return;
  const removed = await ctx.db.delete(unavailableDomains).where(eq(unavailableDomains.domain, host)).returning({ id: unavailableDomains.id });
  if (removed.length === 0) return;
  await ctx.cache.del(UNAVAILABLE_KEY);
  ctx.log.info({ domain: host }, 'an unavailable domain answered: deliveries to it resume');
}

/**
 * The filter on what Fedify's outbox and fan-out queues take: a delivery to an unavailable host is
 * not enqueued; a fan-out keeps only its deliverable inboxes. Returns the message to enqueue, or
 * undefined to drop it.
 */
export function deliverableMessage(ctx: AppContext): (message: Message) => Promise<Message | undefined> {
  return async (message) => {
    if (message.type === 'outbox') {
      const [kept] = await deliverableInboxes(ctx, [message.inbox]);
      if (kept === undefined) ctx.log.debug({ inbox: message.inbox, activity: message.activityId }, 'not enqueueing a delivery to an unavailable domain');
      return kept === undefined ? undefined : message;
    }
    if (message.type === 'fanout') {
      const inboxes = Object.keys(message.inboxes);
      const kept = await deliverableInboxes(ctx, inboxes);
      if (kept.length === inboxes.length) return message;
      if (kept.length === 0) return undefined;
      return { ...message, inboxes: Object.fromEntries(kept.map((inbox) => [inbox, message.inboxes[inbox]!])) };
    }
    return message;
  };
}

/** What the running outbox task learnt from Fedify's onOutboxError. */
const outboxOutcome = new AsyncLocalStorage<{ error?: unknown }>();

/** Fedify's onOutboxError: remembers the failure for the delivery task running it. */
export function recordOutboxError(error: Error): void {
  const outcome = outboxOutcome.getStore();
  if (outcome) outcome.error = error;
}

function isPermanentFailure(error: unknown): boolean {
  return error instanceof SendActivityError && PERMANENT_FAILURE_STATUS_CODES.includes(error.statusCode);
}

/**
 * The host of an inbound activity's actor. Fedify queues an activity only once its signature is
 * verified and the signer is its actor (or it carries the actor's own signature, when forwarded).
 */
function senderHost(activity: unknown): string | undefined {
  const actor = (activity as { actor?: unknown } | null)?.actor;
  const first = Array.isArray(actor) ? actor[0] : actor;
  const id = typeof first === 'string' ? first : (first as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? deliveryHost(id) : undefined;
}

/**
 * Runs one of Fedify's queued tasks with delivery tracking (the DeliveryWorker's `perform` and its
 * `ensure`): a delivery to an unavailable host is dropped unsent; otherwise the try counts as a
 * success (delivered, or refused for good) or a failure (thrown for the queue to retry, or retried
 * by Fedify after a Retry-After) of its inbox host. An inbound activity first tells that its sender's
 * server is up (Mastodon's InboxesController resets the signer's DeliveryFailureTracker): its failing
 * days are forgotten and, if it was unavailable, deliveries to it resume (before the activity is
 * handled, so an Accept it calls for goes out). Other tasks run as they are.
 */
export async function runTrackedTask(ctx: AppContext, message: Message, run: () => Promise<void>): Promise<void> {
  if (message.type === 'inbox') {
    ctx.metrics?.observeInboundActivity((message.activity as { type?: unknown } | null)?.type);
    const host = senderHost(message.activity);
    if (host) await track(ctx, () => trackDeliverySuccess(ctx, host));
    return run();
  }
  if (message.type !== 'outbox') return run();
  const host = deliveryHost(message.inbox);
  if (!host) return run();
  if (!(await isDeliveryAvailable(ctx, host)) || !(await federatesWithUrl(ctx, message.inbox))) {
    ctx.log.debug({ inbox: message.inbox, activity: message.activityId }, 'not delivering to an unavailable domain');
    return;
  }
  const outcome: { error?: unknown } = {};
  const started = performance.now();
  // the statuses the inbox answered, one per knock (draft-cavage, then RFC 9421 if that failed)
  const statuses: number[] = [];
  const observe: ResponseObserver = (method, _url, status) => {
    if (method === 'POST') statuses.push(status);
  };
  try {
    await observeResponses(observe, () => outboxOutcome.run(outcome, run));
  } catch (error) {
    logDelivery(ctx, message, host, { status: statuses.at(-1), ms: performance.now() - started, error });
    ctx.metrics?.observeDelivery(host, 'failed');
    await track(ctx, () => trackDeliveryFailure(ctx, host));
    throw error;
  } finally {
    await track(ctx, () => forgetUnprovenSpec(ctx, message.inbox, statuses));
  }
  logDelivery(ctx, message, host, { status: statuses.at(-1), ms: performance.now() - started, error: outcome.error });
  const succeeded = outcome.error === undefined || isPermanentFailure(outcome.error);
  ctx.metrics?.observeDelivery(host, outcome.error === undefined ? 'delivered' : succeeded ? 'refused' : 'failed');
  await track(ctx, () => (succeeded ? trackDeliverySuccess(ctx, host) : trackDeliveryFailure(ctx, host)));
}

/** `Create` for `https://www.w3.org/ns/activitystreams#Create` (how Fedify names activity types). */
function shortType(type: string): string {
  return type.slice(Math.max(type.lastIndexOf('#'), type.lastIndexOf('/')) + 1);
}

/**
 * One line per delivery try, for admins: its outcome at `debug`, a failure at `warn` (the inbox's
 * host, the status it answered or the network error, how long it took, the activity).
 */
function logDelivery(ctx: AppContext, message: Extract<Message, { type: 'outbox' }>, host: string, result: { status?: number; ms: number; error?: unknown }): void {
  const status = result.error instanceof SendActivityError ? result.error.statusCode : result.status;
  const type = shortType(message.activityType);
  const fields = { host, inbox: message.inbox, status, ms: Math.round(result.ms), activityType: type, activity: message.activityId };
  if (result.error === undefined) {
    ctx.log.debug(fields, `delivered ${type} to ${host} (${status ?? 'no status'})`);
    return;
  }
  const reason = status !== undefined ? `answered ${status}` : result.error instanceof Error ? result.error.message : String(result.error);
  const permanent = isPermanentFailure(result.error) ? ' (not retried: retrying cannot change this answer)' : '';
  ctx.log.warn({ ...fields, err: status === undefined ? result.error : undefined }, `delivery of ${type} to ${host} failed: ${reason}${permanent}`);
}

/** Tracking never fails a delivery: the delivery itself is done (or has failed) already. */
async function track(ctx: AppContext, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not record the outcome of a delivery');
  }
}
