import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot, type Instance } from '../../src/roles/boot.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { prepareTestEnvironment, request, serverMode, type TestEnvironment } from '../helpers/instance.ts';
import { ownAddress, ownPort } from '../helpers/loopback.ts';

/**
 * A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones
 * refused, as while PostgreSQL restarts), blackhole (connections accepted, never answered) and
 * restore, on the same port. The machine's PostgreSQL itself is never touched.
 */
class PostgresProxy {
  #port: number;
  #target: { host: string; port: number };
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #mode: 'forward' | 'blackhole' = 'forward';

  constructor(port: number, target: { host: string; port: number }) {
    this.#port = port;
    this.#target = target;
  }

  async start(mode: 'forward' | 'blackhole' = 'forward'): Promise<void> {
    this.#mode = mode;
    const server = createServer((client) => {
      this.#track(client);
      if (this.#mode === 'blackhole') return;
      const upstream = connect(this.#target.port, this.#target.host);
      this.#track(upstream);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.#port, ownAddress(), resolve));
    this.#server = server;
  }

  /** drops every connection and stops listening */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  #track(socket: Socket) {
    this.#sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }
}

describe('PostgreSQL going away and coming back', { skip: serverMode ? false : 'needs PostgreSQL (DATABASE_URL)' }, () => {
  let environment: TestEnvironment;
  let proxy: PostgresProxy;
  let instance: Instance;
  let url: string;
  let token: string;

  before(async () => {
    environment = await prepareTestEnvironment();
    const direct = new URL(environment.env.DATABASE_URL!);
    const port = ownPort();
    proxy = new PostgresProxy(port, { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.start();
    const proxied = new URL(direct);
    proxied.hostname = ownAddress();
    proxied.port = String(port);
    instance = await boot(loadConfig({ ...environment.env, DATABASE_URL: proxied.toString() }), { web: true }, { log: createLogger('silent') });
    url = instance.url!;
    const { user } = await createLocalAccount(instance.ctx, { username: 'steady', email: 'steady@example.com', password: 'a long password', confirmed: true });
    token = (await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: ['read'] })).accessToken;
  });
  after(async () => {
    await instance?.close();
    await proxy?.cut();
    await environment?.cleanup();
  });

  const health = () => request(url, 'GET', '/health?format=json');
  const credentials = () => request(url, 'GET', '/api/v1/accounts/verify_credentials', { token });

  async function eventually<T>(what: string, attempt: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await attempt().catch(() => undefined);
      if (value !== undefined && done(value)) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await sleep(200);
    }
  }

  test('a restart mid-transaction fails that transaction without crashing the process; queries work again after it', async () => {
    assert.equal((await credentials()).status, 200);
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const transaction = instance.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
      inside();
      await gate; // the connection is checked out, with no query running, when it drops
      await tx.execute(sql`SELECT 1`);
    });
    transaction.catch(() => {});
    await started;
    await proxy.cut();
    await sleep(200);
    proceed();
    await assert.rejects(transaction);

    // while it is down, requests fail at once instead of hanging, and /health says so
    const before = Date.now();
    assert.equal((await credentials()).status, 500);
    const down = await health();
    assert.ok(Date.now() - before < 5000, `answered after ${Date.now() - before} ms`);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'degraded');
    assert.equal(down.body.database, 'down');

    await proxy.start();
    await eventually('queries work again', credentials, (response) => response.status === 200);
    assert.equal((await health()).status, 200);
  });

  test('/health answers 503 within seconds when PostgreSQL accepts connections but never answers', async () => {
    await proxy.cut();
    await proxy.start('blackhole');
    await sleep(300); // the pool drops its broken connections, so the probe has to open a new one
    try {
      const started = Date.now();
      const response = await health();
      const waited = Date.now() - started;
      assert.ok(waited >= 1500 && waited < 5000, `answered after ${waited} ms (the probe's deadline is 2 s)`);
      assert.equal(response.status, 503);
      assert.equal(response.body.database, 'down');
      assert.equal(response.body.cache, 'ok');
    } finally {
      await proxy.cut();
      await proxy.start();
    }
    await eventually('healthy again', health, (response) => response.status === 200, 30_000);
  });
});
