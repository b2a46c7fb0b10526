import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { generateVapidKeys } from '../../src/config/vapid.ts';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot, type BootOptions, type Instance, type Roles } from '../../src/roles/boot.ts';
import type { StreamingRouteOptions } from '../../src/streaming/routes.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import type { RoleName } from '../../src/services/accounts/roles.ts';
import { updateSetting, type RegistrationsMode } from '../../src/services/accounts/settings.ts';
import { claimRedisDatabase } from './redis-db.ts';
import { scratchDir } from './scratch.ts';
import { createBucket, dropBucket, s3Endpoint, s3Env } from './s3.ts';
import { linkCrawlSpread } from '../../src/services/statuses/preview-cards/preview-cards.ts';
import { notificationMailDelay } from '../../src/services/notifications/notification-emails.ts';

// Remote statuses' link previews are fetched at once, not within a minute as in production: tests
// wait for the pull queue to drain, and delayed crawls would keep it busy.
linkCrawlSpread.maxSeconds = 0;
// Notification e-mails are sent at once, not two minutes later as in production.
notificationMailDelay.ms = 0;

/**
 * The suite runs on embedded PGlite unless DATABASE_URL is set (CI's second pass points it at
 * PgBouncer); then each instance gets a fresh database, created through SUBSPACE_TEST_ADMIN_URL
 * (a direct PostgreSQL connection) and migrated directly, and used through DATABASE_URL's host.
 * With REDIS_URL set, each instance claims a Redis database of its own (./redis-db.ts), flushed first. With
 * SUBSPACE_TEST_S3_ENDPOINT set (an s3rver), each instance keeps its media in a bucket of its own
 * there (see ./s3.ts; read stored files with ./stored-files.ts).
 */
export const serverMode = !!process.env.DATABASE_URL;
export const redisMode = !!process.env.REDIS_URL;

/** The migration set: its journal and every migration's SQL (an edited migration makes new templates). */
function migrationsFingerprint(): string {
  const hash = createHash('sha256').update(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json')));
  for (const file of readdirSync(MIGRATIONS_FOLDER)
    .filter((name) => name.endsWith('.sql'))
    .sort())
    hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  return hash.digest('hex').slice(0, 12);
}

/** A migrated PGlite data dir, made once per migration set and copied for every instance (first opens are slow). */
export async function pgliteTemplate(): Promise<string> {
  const template = join(scratchDir, `subspace-pglite-template-${migrationsFingerprint()}`);
  if (existsSync(template)) return template;
  const building = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ SUBSPACE_DATA_DIR: building, NODE_ENV: 'test' });
  const database = await openDatabase(config);
  await database.migrate();
  await database.close();
  try {
    renameSync(join(building, 'db'), template);
  } catch {
    // another test file built it first
  }
  rmSync(building, { recursive: true, force: true });
  return template;
}

/**
 * A Redis database of its own for one test (REDIS_URL with another db number), flushed first; it is
 * claimed until this process ends (see ./redis-db.ts).
 */
export async function freshRedisUrl(): Promise<string> {
  return (await claimRedisDatabase()).url;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * What a process on a test database must be told of the way it is reached: PREPARED_STATEMENTS=false
 * when DATABASE_URL goes through PgBouncer in transaction mode (CI's server pass), where named
 * statements fail.
 */
export function statementModeEnv(): Record<string, string> {
  return process.env.PREPARED_STATEMENTS ? { PREPARED_STATEMENTS: process.env.PREPARED_STATEMENTS } : {};
}

/** Runs `statement` on an admin connection, again while PostgreSQL still counts a just-closed session on the database it names. */
async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(statement);
      return;
    } catch (error) {
      // 55006 object_in_use: "source database … is being accessed by other users"
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A migrated PostgreSQL database made once per migration set, which every test database is copied
 * from (CREATE DATABASE … TEMPLATE: a fraction of a second, where running the migrations takes
 * seconds). It takes no connections, as a template must have none.
 */
let serverTemplateMade: Promise<string> | undefined;
function serverTemplate(adminUrl: string): Promise<string> {
  serverTemplateMade ??= makeServerTemplate(adminUrl);
  return serverTemplateMade;
}

async function makeServerTemplate(adminUrl: string): Promise<string> {
  const name = `subspace_template_${migrationsFingerprint()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount) {
    await admin.end();
    return name;
  }
  const building = `${name}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${building}`);
  await admin.end();
  const direct = await openDatabase(loadConfig({ DATABASE_URL: withDatabase(adminUrl, building), SECRET_KEY_BASE: 'x'.repeat(64), NODE_ENV: 'test' }));
  await direct.migrate();
  await direct.close();
  try {
    await adminQuery(adminUrl, `ALTER DATABASE ${building} RENAME TO ${name}`);
    await adminQuery(adminUrl, `ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  } catch (error) {
    // 42P04 duplicate_database: another test process made it first
    if ((error as { code?: string }).code !== '42P04') throw error;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
  }
  return name;
}

/** A fresh, migrated PostgreSQL database for one test (a copy of the template); its URL goes through DATABASE_URL's host (PgBouncer in CI). */
export async function createServerDatabase(): Promise<{ url: string; directUrl: string; drop(): Promise<void> }> {
  const adminUrl = process.env.SUBSPACE_TEST_ADMIN_URL ?? process.env.DATABASE_URL!;
  const name = `subspace_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${await serverTemplate(adminUrl)}`);
  return {
    url: withDatabase(process.env.DATABASE_URL!, name),
    directUrl: withDatabase(adminUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await client.end();
    },
  };
}

export interface TestInstanceOptions {
  env?: Record<string, string>;
  roles?: Roles;
  registrations?: RegistrationsMode;
  /** shorter streaming heartbeats and pings */
  streaming?: StreamingRouteOptions;
  /** shorter limits on slow clients */
  httpTimeouts?: BootOptions['httpTimeouts'];
  /** an environment already prepared (and then filled, by a restore), instead of a fresh one */
  environment?: TestEnvironment;
  /** close() leaves the environment in place, for the test to start an instance on it again (and clean it up itself) */
  keepEnvironment?: boolean;
}

export interface TestInstance extends Instance {
  url: string;
  config: Config;
  env: Record<string, string>;
  dataDir: string;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** a confirmed local member with a token for every non-admin scope */
  createUser(username: string, options?: { role?: RoleName; scopes?: string; email?: string; password?: string }): Promise<TestUser>;
}

export interface TestUser {
  userId: string;
  accountId: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  form?: Record<string, string> | URLSearchParams;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form as Record<string, string>).toString();
  }
  const response = await fetch(new URL(path, baseUrl), { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export interface TestEnvironment {
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

/**
 * An isolated place for an instance to run: a data dir with a migrated PGlite database, or (in
 * server mode) a fresh migrated PostgreSQL database and an emptied Redis database; and, with
 * SUBSPACE_TEST_S3_ENDPOINT, an S3 bucket of its own.
 */
export async function prepareTestEnvironment(extraEnv: Record<string, string> = {}): Promise<TestEnvironment> {
  const dataDir = mkdtempSync(join(scratchDir, 'subspace-test-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    SUBSPACE_DATA_DIR: dataDir,
    PORT: '0',
    BIND: '127.0.0.1',
    LOCAL_DOMAIN: 'subspace.test',
    LOCAL_HTTPS: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  if (serverMode) {
    const database = await createServerDatabase();
    env.DATABASE_URL = database.url;
    // pg_dump and pg_restore go to PostgreSQL itself, as an admin behind PgBouncer sets it: pg_restore's
    // session settings (an empty search_path) would otherwise stay on PgBouncer's pooled connections
    env.BACKUP_DATABASE_URL = database.directUrl;
    Object.assign(env, statementModeEnv());
    env.SECRET_KEY_BASE = randomBytes(32).toString('hex');
    // server mode takes its Web Push keys from the environment, as it does its secret key base
    const vapid = generateVapidKeys();
    env.VAPID_PRIVATE_KEY = vapid.privateKey;
    env.VAPID_PUBLIC_KEY = vapid.publicKey;
    cleanups.push(database.drop);
  } else {
    cpSync(await pgliteTemplate(), join(dataDir, 'db'), { recursive: true });
  }
  if (redisMode) {
    const database = await claimRedisDatabase();
    env.REDIS_URL = database.url;
    cleanups.push(database.release);
  }
  if (s3Endpoint) {
    const bucket = await createBucket(s3Endpoint);
    // s3rver closes idle keep-alive sockets (Node's 5 s): a request that reuses one just then fails
    // with "socket hang up"; retried, as S3_RETRY_LIMIT lets Mastodon retry, it goes through
    Object.assign(env, { S3_RETRY_LIMIT: '2' }, s3Env(s3Endpoint, bucket));
    cleanups.push(() => dropBucket(s3Endpoint!, bucket).catch(() => {}));
  }
  Object.assign(env, extraEnv);
  return {
    env,
    dataDir,
    async cleanup() {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/** Boots a whole instance (web, worker, scheduler by default) on a free port, isolated from every other one. */
export async function startInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
  const { env, dataDir, cleanup } = options.environment ?? (await prepareTestEnvironment(options.env));
  // Instances booted in the test process run PGlite on its main thread: a process that opens and
  // closes dozens of PGlite worker threads hits V8's WASM code-registry crash (nodejs/node#64500,
  // "jit_page_->allocations_.erase(addr) == 1") about once per 100 test files. A server process
  // opens one for its lifetime; test/db/pglite-driver.test.ts holds both drivers to the same results.
  const config = loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...env });
  const instance = await boot(
    config,
    options.roles ?? { web: true, streaming: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency: 5 }, scheduler: true },
    {
      log: createLogger(env.LOG_LEVEL!),
      queueBackoff: () => 50,
      streaming: options.streaming,
      httpTimeouts: options.httpTimeouts,
    },
  );
  if (options.registrations) await updateSetting(instance.ctx, 'registrations_mode', options.registrations);
  const url = instance.url!;

  return {
    ...instance,
    url,
    config,
    env,
    dataDir,
    request: (method, path, requestOptions) => request(url, method, path, requestOptions),
    async createUser(username, userOptions = {}) {
      const email = userOptions.email ?? `${username}@example.com`;
      const password = userOptions.password ?? `password-of-${username}`;
      const { user, account } = await createLocalAccount(instance.ctx, { username, email, password, confirmed: true, role: userOptions.role ?? null, allowReserved: true });
      const token = await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: (userOptions.scopes ?? 'read write follow push profile').split(' ') });
      return { userId: user.id, accountId: account.id, username, email, password, token: token.accessToken };
    },
    async close() {
      await instance.close();
      if (!options.keepEnvironment) await cleanup();
    },
  };
}
