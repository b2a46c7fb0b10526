import { exportJwk, type Context, type Message, type MessageQueue, type MessageQueueEnqueueOptions } from '@fedify/fedify';
import type { JobQueue } from '../backends/queue/index.ts';
import type { AppContext } from '../context.ts';
import type { JobDefinition } from '../jobs/definitions.ts';
import { enqueue, type EnqueueContext } from '../jobs/enqueue.ts';

/** What a queue lets through: the message to enqueue (possibly changed), or undefined to drop it. */
export type MessageFilter = (message: Message) => Promise<Message | undefined>;

/**
 * One of Fedify's task queues (inbox, outbox, fan-out) as a kind of job in the instance's durable
 * queue. Fedify only ever enqueues here: web and worker processes alike hand tasks to the queue, and
 * the workers serving its queue run them through the job runner (src/jobs/handlers.ts), with
 * the queue's retries and backoff — hence `nativeRetrial`. The queue has no ordering keys, so
 * Fedify's `orderingKey` is not honoured (Mastodon's Sidekiq queues give no such order either).
 * An optional `filter` sees every message first (the outbox's drops deliveries to unavailable domains).
 *
 * Messages are queued without their senders' private keys (`withoutPrivateKeys`): the task runner
 * looks them up again by key id (`withPrivateKeys`). Given the AppContext rather than the bare queue,
 * a delivery the queue cannot take is kept in deferred_jobs (src/jobs/enqueue.ts).
 */
export class JobMessageQueue implements MessageQueue {
  readonly nativeRetrial = true;
  #ctx: EnqueueContext;
  #job: JobDefinition<Message>;
  #filter: MessageFilter | undefined;

  constructor(queue: JobQueue | EnqueueContext, job: JobDefinition<Message>, filter?: MessageFilter) {
    this.#ctx = typeof (queue as JobQueue).enqueue === 'function' ? { queue: queue as JobQueue } : (queue as EnqueueContext);
    this.#job = job;
    this.#filter = filter;
  }

  async enqueue(message: Message, options?: MessageQueueEnqueueOptions): Promise<void> {
    const kept = this.#filter ? await this.#filter(message) : message;
    if (!kept) return;
    const delayMs = options?.delay === undefined ? 0 : Math.max(0, Math.round(options.delay.total('millisecond')));
    await enqueue(this.#ctx, this.#job, withoutPrivateKeys(kept), delayMs > 0 ? { delayMs } : {});
  }

  listen(): Promise<void> {
    return Promise.reject(new Error(`Fedify's ${this.#job.name} tasks run in the job workers, not through MessageQueue.listen()`));
  }
}

type SenderKeys = Extract<Message, { keys: unknown }>['keys'];

const DELETE = 'https://www.w3.org/ns/activitystreams#Delete';

function idOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  const id = (first as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * An actor's Delete of itself (a deleted account's, deliver-account-deletion.ts): queued just before
 * the account and its keys leave the database, so its key cannot be looked up when it is sent. It
 * keeps its private key in the queued message, the one exception; that key signs nothing else any more.
 */
function isSelfDeletion(message: Message): boolean {
  if (message.type === 'inbox' || message.activityType !== DELETE) return false;
  const activity = message.activity as { actor?: unknown; object?: unknown } | null;
  const actor = idOf(activity?.actor);
  return actor !== undefined && actor === idOf(activity?.object);
}

/**
 * The message as it is queued: Fedify puts the sender's private keys (as JWK) into every outbox and
 * fan-out task; they are taken out, keeping their key ids, so that the queue (Redis, in server mode)
 * never holds a member's private key.
 */
export function withoutPrivateKeys(message: Message): Message {
  if (message.type === 'inbox' || isSelfDeletion(message)) return message;
  const keys = message.keys.map(({ keyId }) => ({ keyId })) as unknown as SenderKeys;
  return { ...message, keys } as Message;
}

/** A local sender's private key, by key id, as Fedify queues it (JWK); undefined when there is none any more. */
export type PrivateKeyLookup = (keyId: string) => Promise<JsonWebKey | undefined>;

/**
 * The queued message with its senders' private keys back, or undefined when one of them cannot be
 * found any more (its account was deleted): the delivery is then dropped. Keys still in a message
 * (a self-deletion's, or tasks queued before keys were taken out) are used as they are.
 */
export async function withPrivateKeys(message: Message, lookup: PrivateKeyLookup): Promise<Message | undefined> {
  if (message.type === 'inbox') return message;
  const keys: { keyId: string; privateKey: JsonWebKey }[] = [];
  for (const key of message.keys as readonly { keyId: string; privateKey?: JsonWebKey }[]) {
    const privateKey = key.privateKey ?? (await lookup(key.keyId));
    if (!privateKey) return undefined;
    keys.push({ keyId: key.keyId, privateKey });
  }
  return { ...message, keys } as Message;
}

/**
 * Looks sender keys up among this instance's actors, as Fedify made their ids: the actor's URI with
 * `#main-key` (RSA) or `#key-2` (Ed25519), from the actor's key pairs dispatcher (keys.ts): a
 * member's keys, or the instance actor's. Each actor's pairs are read once per lookup function.
 */
export function localPrivateKeys(fctx: Context<AppContext>): PrivateKeyLookup {
  const byActor = new Map<string, Promise<Map<string, CryptoKey>>>();
  return async (keyId) => {
    let actor: URL;
    try {
      actor = new URL(keyId);
    } catch {
      return undefined;
    }
    actor.hash = '';
    const parsed = fctx.parseUri(actor);
    if (parsed?.type !== 'actor') return undefined;
    let pairs = byActor.get(actor.href);
    if (!pairs) {
      pairs = fctx.getActorKeyPairs(parsed.identifier).then((list) => new Map(list.map((pair) => [pair.keyId.href, pair.privateKey])));
      byActor.set(actor.href, pairs);
    }
    const privateKey = (await pairs).get(keyId);
    return privateKey ? exportJwk(privateKey) : undefined;
  };
}

/** A queued task ready to run: its private keys restored, or undefined (logged) when its sender is gone. */
export async function restoreQueuedTask(ctx: AppContext, fctx: Context<AppContext>, message: Message): Promise<Message | undefined> {
  const restored = await withPrivateKeys(message, localPrivateKeys(fctx));
  if (!restored && message.type !== 'inbox') {
    ctx.log.info({ keyIds: message.keys.map((key) => key.keyId), activity: message.activityId }, 'dropping a delivery whose sender’s key is gone');
  }
  return restored;
}
