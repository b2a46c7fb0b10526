import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { RedisCache } from '../../src/backends/cache/redis.ts';
import { homeFeed } from '../../src/backends/feeds/index.ts';
import { RedisPubSub } from '../../src/backends/pubsub/redis.ts';
import { BullmqJobQueue, QueueUnavailableError } from '../../src/backends/queue/bullmq.ts';
import { createRedis, RedisUnavailableError } from '../../src/backends/redis.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot } from '../../src/roles/boot.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { TestRedis, type TestRedisOptions } from '../helpers/cluster.ts';
import { ownAddress, ownPort } from '../helpers/loopback.ts';
import { prepareTestEnvironment, request } from '../helpers/instance.ts';
import { HAS_OPENSSL, makeServerCertificate } from '../helpers/test-certificates.ts';

const hasCommand = (command: string, args: string[]) => !spawnSync(command, args, { stdio: 'ignore' }).error;
const HAS_REDIS = hasCommand('redis-server', ['--version']);

const servers: TestRedis[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(servers.map((redis) => redis.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway redis-server on the file's own address that loses everything when killed, as `kill` does; `start()` brings it back on the same port. */
async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const redis = await TestRedis.start({ persistent: false, ...options });
  servers.push(redis);
  return redis;
}

const kill = (redis: TestRedis) => redis.stop();

/** Retries `attempt` until it stops throwing and satisfies `done`. */
async function eventually<T>(what: string, attempt: () => Promise<T>, done: (value: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (done(value)) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  assert.fail(`timed out waiting until ${what} (last error: ${String(last)})`);
}

describe('surviving a Redis restart', { skip: HAS_REDIS ? false : 'redis-server is not on PATH' }, () => {
  test('cache, subscriptions and the job queue work again after Redis is killed and restarted', async () => {
    const redis = await startRedis();
    const url = redis.url;

    const cache = new RedisCache(createRedis(url), { waitMs: 1000 });
    const pubsub = new RedisPubSub(createRedis(url), createRedis(url));
    const queue = new BullmqJobQueue(createRedis(url), { prefix: 'resilience' });
    const received: string[] = [];
    const ran: string[] = [];
    const worker = queue.work(['default'], async (job) => void ran.push(job.name), { concurrency: 1 });
    try {
      await pubsub.subscribe('events', (message) => received.push(message));
      await cache.set('before', 'yes');
      await pubsub.publish('events', 'before');
      await queue.enqueue('default', 'before', null);
      await eventually(
        'the first message arrives',
        async () => received,
        (r) => r.includes('before'),
      );
      await eventually(
        'the first job runs',
        async () => ran,
        (r) => r.includes('before'),
      );

      await kill(redis);
      // While Redis is away, cache commands fail once they waited for it long enough instead of hanging.
      await assert.rejects(cache.get('before'), RedisUnavailableError);
      await redis.start();

      await eventually(
        'the cache works again',
        async () => {
          await cache.set('after', 'yes', 60);
          return cache.get('after');
        },
        (value) => value === 'yes',
      );
      await eventually(
        'the old subscription receives again',
        async () => {
          await pubsub.publish('events', 'after');
          return received;
        },
        (r) => r.includes('after'),
      );
      await eventually('a job can be enqueued', () => queue.enqueue('default', 'after', null));
      await eventually(
        'the job enqueued after the restart runs',
        async () => ran,
        (r) => r.includes('after'),
      );
    } finally {
      await worker.close();
      await Promise.all([queue.close(), pubsub.close(), cache.close()]);
      await kill(redis);
    }
  });
});

describe('enqueueing while Redis is away', { skip: HAS_REDIS ? false : 'redis-server is not on PATH' }, () => {
  test('waits through a short restart and loses nothing; fails in bounded time when Redis stays away', async () => {
    const redis = await startRedis();
    const url = redis.url;
    const queue = new BullmqJobQueue(createRedis(url), { prefix: 'bounded', enqueueTimeoutMs: 3000 });
    const ran: string[] = [];
    const worker = queue.work(['default', 'mailers'], async (job) => void ran.push(job.name), { concurrency: 2 });
    try {
      await queue.enqueue('default', 'before', null);
      await eventually(
        'the first job runs',
        async () => ran,
        (r) => r.includes('before'),
      );

      await kill(redis);
      const during = queue.enqueue('mailers', 'during-restart', null);
      await sleep(1000);
      await redis.start();
      await during;
      await eventually(
        'the job enqueued during the restart runs',
        async () => ran,
        (r) => r.includes('during-restart'),
      );

      await kill(redis);
      // a command sent before the client noticed the connection was gone is resent on reconnection
      await sleep(500);
      const started = Date.now();
      await assert.rejects(queue.enqueue('default', 'never', null), QueueUnavailableError);
      const waited = Date.now() - started;
      assert.ok(waited >= 2800 && waited < 5000, `failed after ${waited} ms`);

      await redis.start();
      await eventually('a job can be enqueued again', () => queue.enqueue('default', 'after', null));
      await eventually(
        'the job enqueued after the outage runs',
        async () => ran,
        (r) => r.includes('after'),
      );
      await eventually(
        'the queues to drain',
        () => queue.counts(),
        (counts) => counts.default === 0 && counts.mailers === 0,
      );
      assert.ok(!ran.includes('never'), 'a failed enqueue is not sent once Redis is back');
    } finally {
      await worker.close();
      await queue.close();
      await kill(redis);
    }
  });

  test('a web request that enqueues answers with an error instead of hanging, and succeeds across a short restart', async () => {
    // the cache, pub/sub and feeds on one Redis, the queues on another, which goes away
    const main = await startRedis();
    const queueRedis = await startRedis();
    const environment = await prepareTestEnvironment({ REDIS_URL: main.url, SIDEKIQ_REDIS_URL: queueRedis.url });
    const instance = await boot(
      loadConfig(environment.env),
      { web: true, worker: { queues: ['default'], concurrency: 2 } },
      {
        log: createLogger('silent'),
        redisWaitMs: 4000,
      },
    );
    try {
      const member = async (username: string) => {
        const { user, account } = await createLocalAccount(instance.ctx, { username, email: `${username}@example.com`, password: 'a long password', confirmed: true });
        const { accessToken } = await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write', 'follow'] });
        return { accountId: account.id, token: accessToken };
      };
      const [reader, first, second] = [await member('reader'), await member('first'), await member('second')];
      const postBy = async (author: { token: string }) => (await request(instance.url!, 'POST', '/api/v1/statuses', { token: author.token, json: { status: 'hello' } })).body.id as string;
      const secondPost = await postBy(second);
      // following enqueues the merge of the followed account's posts into the follower's home
      const follow = (target: { accountId: string }) => request(instance.url!, 'POST', `/api/v1/accounts/${target.accountId}/follow`, { token: reader.token });

      await kill(queueRedis);
      await sleep(500);
      const started = Date.now();
      const refused = await follow(first);
      const waited = Date.now() - started;
      assert.equal(refused.status, 503, refused.text);
      assert.ok(waited >= 3500 && waited < 7000, `answered after ${waited} ms`);

      await queueRedis.start();
      await eventually('the queue is reachable again', () => instance.ctx.queue.ping());
      await kill(queueRedis);
      const during = follow(second);
      await sleep(1000);
      await queueRedis.start();
      const accepted = await during;
      assert.equal(accepted.status, 200, accepted.text);
      // the merge enqueued across the restart was not lost
      await eventually(
        'the merge ran',
        () => instance.ctx.feeds.ids(homeFeed(reader.accountId)),
        (ids) => ids.includes(secondPost),
      );
    } finally {
      await instance.close();
      await environment.cleanup();
      await kill(queueRedis);
      await kill(main);
    }
  });
});

describe('requests while the only Redis restarts', { skip: HAS_REDIS ? false : 'redis-server is not on PATH' }, () => {
  test('posting, favouriting, following and reading home wait for Redis and succeed; after the wait they answer 503, never 500', async () => {
    // cache (rate limits, idempotency), feeds, pub/sub and queues all on one Redis, as most instances run
    const redis = await TestRedis.start();
    const environment = await prepareTestEnvironment({ REDIS_URL: redis.url });
    const instance = await boot(
      loadConfig(environment.env),
      { web: true, worker: { queues: ['default'], concurrency: 2 } },
      {
        log: createLogger('silent'),
        redisWaitMs: 4000,
      },
    );
    try {
      const member = async (username: string) => {
        const { user, account } = await createLocalAccount(instance.ctx, { username, email: `${username}@example.com`, password: 'a long password', confirmed: true });
        const { accessToken } = await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write', 'follow'] });
        return { accountId: account.id, token: accessToken };
      };
      const [reader, first, second] = [await member('reader'), await member('first'), await member('second')];
      const call = (method: string, path: string, token: string, json?: unknown, headers?: Record<string, string>) => request(instance.url!, method, path, { token, json, headers });
      const firstPost = (await call('POST', '/api/v1/statuses', first.token, { status: 'first' })).body.id as string;
      const secondPost = (await call('POST', '/api/v1/statuses', second.token, { status: 'second' })).body.id as string;
      const requests = (label: string) => ({
        // an idempotency key is kept in the cache
        post: () => call('POST', '/api/v1/statuses', reader.token, { status: `posted ${label}` }, { 'idempotency-key': label }),
        favourite: () => call('POST', `/api/v1/statuses/${label === 'during' ? firstPost : secondPost}/favourite`, reader.token),
        follow: () => call('POST', `/api/v1/accounts/${label === 'during' ? first.accountId : second.accountId}/follow`, reader.token),
        home: () => call('GET', '/api/v1/timelines/home', reader.token),
      });

      await redis.stop();
      const during = Object.entries(requests('during')).map(async ([name, send]) => [name, await send()] as const);
      await sleep(1000);
      await redis.start();
      for (const [name, response] of await Promise.all(during)) {
        assert.ok(response.status === 200 || (name === 'home' && response.status === 206), `${name} across a restart: ${response.status} ${response.text}`);
      }
      const postedDuring = (await Promise.all(during)).find(([name]) => name === 'post')![1].body.id as string;
      const again = await requests('during').post();
      assert.equal(again.body.id, postedDuring, 'the idempotency key stored across the restart is honoured');
      // the follow's merge, enqueued across the restart, ran
      await eventually(
        'the merge ran',
        () => instance.ctx.feeds.ids(homeFeed(reader.accountId)),
        (ids) => ids.includes(firstPost),
      );

      await redis.stop();
      const { favourite, ...needingRedis } = requests('after');
      // all at once: each waits out redisWaitMs (some more than once) before it answers
      const [favourited, ...refused] = await Promise.all([favourite(), ...Object.entries(needingRedis).map(async ([name, send]) => [name, await send()] as const)]);
      for (const [name, response] of refused) {
        assert.equal(response.status, 503, `${name} with Redis away: ${response.text}`);
        assert.deepEqual(Object.keys(response.body), ['error'], `${name}: ${response.text}`);
        assert.ok(response.headers.get('retry-after'), `${name}: Retry-After`);
      }
      // a favourite needs Redis only to announce itself, which it gives up on: it is stored and answered
      assert.equal(favourited.status, 200, favourited.text);
      assert.equal(favourited.body.favourited, true);
      await redis.start();
      const retried = await requests('after').follow();
      assert.equal(retried.status, 200, retried.text);
    } finally {
      await instance.close();
      await environment.cleanup();
      await redis.close();
    }
  });
});

describe('rediss:// with a private CA', { skip: HAS_REDIS && HAS_OPENSSL ? false : 'redis-server or openssl is missing' }, () => {
  test('connects through TLS, trusting NODE_EXTRA_CA_CERTS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subspace-tls-test-'));
    dirs.push(dir);
    const host = ownAddress();
    const { caFile, certFile, keyFile } = makeServerCertificate(dir, host);

    const port = ownPort();
    const redis = await startRedis({
      args: ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no'],
    });

    const script = join(dir, 'client.mjs');
    writeFileSync(
      script,
      `import { createRedis, whenConnected } from ${JSON.stringify(new URL('../../src/backends/redis.ts', import.meta.url).href)};
const client = createRedis(process.argv[2]);
let connectionError;
client.on('error', (error) => (connectionError = error));
try {
  await whenConnected(client, 5000, () => client.set('greeting', 'hello over tls'));
  console.log(await client.get('greeting'));
} catch (error) {
  console.log('failed: ' + (connectionError ?? error).message);
} finally {
  client.disconnect();
}
`,
    );
    const run = (url: string, env: Record<string, string | undefined>) =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [script, url], { env, timeout: 20_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve(stdout.trim());
        });
      });
    const withCa = { ...process.env, NODE_EXTRA_CA_CERTS: caFile };
    const withoutCa = { ...process.env, NODE_EXTRA_CA_CERTS: undefined };
    try {
      // at once: the client without the CA waits out its connection timeout
      const [trusted, untrusted] = await Promise.all([run(`rediss://${host}:${port}`, withCa), run(`rediss://${host}:${port}`, withoutCa)]);
      assert.equal(trusted, 'hello over tls');
      assert.match(untrusted, /^failed: .*certificate/);
    } finally {
      await kill(redis);
    }
  });
});
