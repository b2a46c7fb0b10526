import { closeRedis, REDIS_WAIT_MS, whenConnected, type Redis } from '../redis.ts';
import { MAX_ITEMS, REBLOG_FALLOFF, type FeedEntry, type FeedKey, type FeedPage, type Feeds } from './index.ts';

/*
 * Mastodon's layout: a sorted set `feed:<type>:<id>` of status ids, the sorted set
 * `feed:<type>:<id>:reblogs` (reblogged status → the reblog's score) and, per reblogged status,
 * `feed:<type>:<id>:reblogs:<status id>` holding the reblogs that were left out.
 *
 * Ids are 64-bit and do not fit a double, so the score is only the id's millisecond part
 * (id >> 16, exact) and the member is the id zero-padded to 19 digits: Redis orders equal scores
 * by member, so (score, member) order is exactly numeric id order, and the member is the truth.
 * Page bounds are applied to members; the score bound is widened by the entries sharing the
 * bound's millisecond (ZCOUNT) so none is missed. The reblog tracking set is pruned by score,
 * like Mastodon's trim, so it is exact to the millisecond only.
 */

const PUSH = `
local tl, rk, set = KEYS[1], KEYS[2], KEYS[3]
local member, score, of = ARGV[1], ARGV[2], ARGV[3]
local maxItems, falloff = tonumber(ARGV[4]), tonumber(ARGV[5])
if of ~= '' then
  local rank = redis.call('ZREVRANK', tl, of)
  if rank and rank < falloff then return 0 end
  if redis.call('ZADD', rk, 'NX', score, of) == 1 then
    redis.call('ZADD', tl, score, member)
  else
    redis.call('ZADD', set, score, member)
    return 0
  end
else
  if redis.call('ZSCORE', rk, member) then return 0 end
  if redis.call('ZADD', tl, 'NX', score, member) == 0 then return 0 end
end
redis.call('ZREMRANGEBYRANK', tl, 0, -(maxItems + 1))
local fall = redis.call('ZREVRANGE', tl, falloff, falloff, 'WITHSCORES')
if #fall > 0 then redis.call('ZREMRANGEBYSCORE', rk, '-inf', fall[2]) end
return 1`;

const REMOVE = `
local tl, rk, set = KEYS[1], KEYS[2], KEYS[3]
local member, of = ARGV[1], ARGV[2]
if of ~= '' then
  redis.call('ZREM', set, member)
  if not redis.call('ZSCORE', tl, member) then return 0 end
  redis.call('ZREM', rk, of)
  local other = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  if #other > 0 then
    redis.call('ZREM', set, other[1])
    redis.call('ZADD', tl, other[2], other[1])
    redis.call('ZADD', rk, other[2], of)
  end
end
return redis.call('ZREM', tl, member)`;

const pad = (id: string) => id.padStart(19, '0');
const unpad = (member: string) => member.replace(/^0+(?=\d)/, '');
const score = (id: string) => (BigInt(id) >> 16n).toString();

/**
 * The server feeds on Redis sorted sets; it owns `client` and quits it on close. While Redis is
 * away each round trip waits for it at most `waitMs`, then fails with a RedisUnavailableError.
 */
export class RedisFeeds implements Feeds {
  #client: Redis;
  #prefix: string;
  #waitMs: number;

  constructor(client: Redis, options: { prefix?: string; waitMs?: number } = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? '';
    this.#waitMs = options.waitMs ?? REDIS_WAIT_MS;
    this.#client.defineCommand('subspaceFeedPush', { numberOfKeys: 3, lua: PUSH });
    this.#client.defineCommand('subspaceFeedRemove', { numberOfKeys: 3, lua: REMOVE });
  }

  #run<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    return whenConnected(this.#client, this.#waitMs, () => work(this.#client));
  }

  #keys(feed: FeedKey, reblogOfId: string | null): [string, string, string] {
    const timeline = `${this.#prefix}feed:${feed}`;
    return [timeline, `${timeline}:reblogs`, `${timeline}:reblogs:${reblogOfId ? pad(reblogOfId) : 'none'}`];
  }

  async push(feed: FeedKey, statusId: string, reblogOfId: string | null): Promise<boolean> {
    return (await this.pushToMany([feed], statusId, reblogOfId)).length > 0;
  }

  async pushToMany(feeds: FeedKey[], statusId: string, reblogOfId: string | null): Promise<FeedKey[]> {
    const unique = [...new Set(feeds)];
    if (unique.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const feed of unique) {
      (pipeline as any).subspaceFeedPush(...this.#keys(feed, reblogOfId), pad(statusId), score(statusId), reblogOfId ? pad(reblogOfId) : '', MAX_ITEMS, REBLOG_FALLOFF);
    }
    const results = (await this.#run(() => pipeline.exec())) ?? [];
    const inserted: FeedKey[] = [];
    results.forEach(([error, value], i) => {
      if (error) throw error;
      if (Number(value) === 1) inserted.push(unique[i]!);
    });
    return inserted;
  }

  async pushMany(feed: FeedKey, entries: FeedEntry[]): Promise<void> {
    const sorted = [...entries].sort((x, y) => (BigInt(x.statusId) < BigInt(y.statusId) ? -1 : 1));
    for (let i = 0; i < sorted.length; i += 500) {
      const pipeline = this.#client.pipeline();
      for (const entry of sorted.slice(i, i + 500)) {
        const { statusId, reblogOfId } = entry;
        (pipeline as any).subspaceFeedPush(...this.#keys(feed, reblogOfId), pad(statusId), score(statusId), reblogOfId ? pad(reblogOfId) : '', MAX_ITEMS, REBLOG_FALLOFF);
      }
      for (const [error] of (await this.#run(() => pipeline.exec())) ?? []) if (error) throw error;
    }
  }

  async remove(feed: FeedKey, entries: FeedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.#client.pipeline();
    for (const entry of entries) {
      (pipeline as any).subspaceFeedRemove(...this.#keys(feed, entry.reblogOfId), pad(entry.statusId), entry.reblogOfId ? pad(entry.reblogOfId) : '');
    }
    for (const [error] of (await this.#run(() => pipeline.exec())) ?? []) if (error) throw error;
  }

  async removeEverywhere(entry: FeedEntry, candidates: FeedKey[]): Promise<void> {
    const unique = [...new Set(candidates)];
    for (let i = 0; i < unique.length; i += 500) {
      const pipeline = this.#client.pipeline();
      for (const feed of unique.slice(i, i + 500)) {
        (pipeline as any).subspaceFeedRemove(...this.#keys(feed, entry.reblogOfId), pad(entry.statusId), entry.reblogOfId ? pad(entry.reblogOfId) : '');
      }
      for (const [error] of (await this.#run(() => pipeline.exec())) ?? []) if (error) throw error;
    }
  }

  async page(feed: FeedKey, page: FeedPage): Promise<string[]> {
    const [key] = this.#keys(feed, null);
    const lower = page.minId ?? page.sinceId;
    const lowerId = page.minId && page.sinceId ? (BigInt(page.minId) > BigInt(page.sinceId) ? page.minId : page.sinceId) : lower;
    const maxScore = page.maxId ? score(page.maxId) : '+inf';
    const minScore = lowerId ? score(lowerId) : '-inf';
    const inRange = (member: string) => (!page.maxId || member < pad(page.maxId)) && (!lowerId || member > pad(lowerId));
    let members: string[];
    if (page.minId) {
      // oldest first above min_id; entries sharing min_id's millisecond may sit at or below it
      const extra = await this.#run((client) => client.zcount(key, minScore, minScore));
      members = await this.#run((client) => client.zrangebyscore(key, minScore, maxScore, 'LIMIT', 0, page.limit + extra));
      return members.filter(inRange).slice(0, page.limit).reverse().map(unpad);
    }
    const extra = page.maxId ? await this.#run((client) => client.zcount(key, maxScore, maxScore)) : 0;
    members = await this.#run((client) => client.zrevrangebyscore(key, maxScore, minScore, 'LIMIT', 0, page.limit + extra));
    return members.filter(inRange).slice(0, page.limit).map(unpad);
  }

  async ids(feed: FeedKey): Promise<string[]> {
    const [key] = this.#keys(feed, null);
    return (await this.#run((client) => client.zrevrange(key, 0, -1))).map(unpad);
  }

  async exists(feed: FeedKey): Promise<boolean> {
    const [key] = this.#keys(feed, null);
    return (await this.#run((client) => client.exists(key))) > 0;
  }

  async clear(feed: FeedKey): Promise<void> {
    const [key, reblogs] = this.#keys(feed, null);
    const originals = await this.#run((client) => client.zrange(reblogs, '0', '-1'));
    await this.#run((client) => client.del(key, reblogs, ...originals.map((member) => `${key}:reblogs:${member}`)));
  }

  async close(): Promise<void> {
    await closeRedis(this.#client);
  }
}
