import type { AppContext } from '../../context.ts';

/** Where a change to the domain blocks or allows is announced to every process (the pub/sub backend). */
const POLICY_CHANNEL = 'instance_domain_policy';
/** A net under the announcements: one lost while Redis reconnects is made good within this time. */
const MEMO_TTL_MS = 30_000;
/** More domains than this and the answers start over (the shared cache still has them). */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  at: number;
}

interface Memo {
  entries: Map<string, Entry<unknown>>;
  /** moves on each change, so an answer read before a change is not kept after it */
  version: number;
  /** answers are kept only once this process hears the announcements */
  listening: boolean;
}

const memos = new WeakMap<AppContext, Memo>();

function memoOf(ctx: AppContext): Memo {
  let memo = memos.get(ctx);
  if (!memo) {
    const fresh: Memo = { entries: new Map(), version: 0, listening: false };
    memo = fresh;
    memos.set(ctx, fresh);
    ctx.pubsub
      .subscribe(POLICY_CHANNEL, () => forget(fresh))
      .then(
        () => {
          fresh.listening = true;
        },
        (error: unknown) => ctx.log.warn({ err: error }, 'domain policy answers are not kept in this process: no pub/sub'),
      );
  }
  return memo;
}

function forget(memo: Memo): void {
  memo.entries.clear();
  memo.version += 1;
}

/**
 * The domain policy's answers (blocks, allows) kept in this process's memory, in front of the shared
 * cache: every inbound activity asks them several times. A change is announced over pub/sub, which
 * every process (web, workers) listens to; the process making it forgets at once, before announcing.
 */
export async function memoized<T>(ctx: AppContext, key: string, load: () => Promise<T>): Promise<T> {
  const memo = memoOf(ctx);
  const entry = memo.entries.get(key) as Entry<T> | undefined;
  if (entry && Date.now() - entry.at < MEMO_TTL_MS) return entry.value;
  const version = memo.version;
  const value = await load();
  if (memo.listening && memo.version === version) {
    if (memo.entries.size >= MAX_ENTRIES) memo.entries.clear();
    memo.entries.set(key, { value, at: Date.now() });
  }
  return value;
}

/** Forgets this process's answers, then tells the other processes to forget theirs. */
export async function announcePolicyChange(ctx: AppContext): Promise<void> {
  forget(memoOf(ctx));
  await ctx.pubsub.publish(POLICY_CHANNEL, 'changed');
}
