import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { withEnvFiles } from '../../src/config/env-file.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { generateVapidKeys } from '../../src/config/vapid.ts';

const dir = mkdtempSync(join(tmpdir(), 'subspace-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'a'.repeat(64);

function fails(env: Record<string, string>, variable: string) {
  assert.throws(
    () => loadConfig({ SUBSPACE_DATA_DIR: dir, ...env }),
    (error: unknown) => error instanceof ConfigError && error.variable === variable && !error.message.includes('\n'),
    `expected a ConfigError naming ${variable}`,
  );
}

describe('configuration from the environment', () => {
  it('defaults to an embedded instance on localhost:3000 with a generated, persisted secret', () => {
    const data = join(dir, 'fresh');
    const config = loadConfig({ SUBSPACE_DATA_DIR: data });
    assert.equal(config.port, 3000);
    assert.equal(config.localDomain, 'localhost:3000');
    assert.equal(config.https, false);
    assert.equal(config.database.kind, 'pglite');
    assert.equal(config.redis, undefined);
    assert.equal(config.streamingApiBaseUrl, 'ws://localhost:3000');
    assert.ok(config.secretKeyBase.length >= 64);
    assert.equal(statSync(join(data, 'secrets.json')).mode & 0o777, 0o600);
    assert.equal(loadConfig({ SUBSPACE_DATA_DIR: data }).secretKeyBase, config.secretKeyBase, 'the secret survives restarts');
  });

  it('runs embedded PGlite in a worker thread unless SUBSPACE_PGLITE_THREAD=main', () => {
    const thread = (env: Record<string, string>) => {
      const { database } = loadConfig({ SUBSPACE_DATA_DIR: dir, SECRET_KEY_BASE: SECRET, ...env });
      return database.kind === 'pglite' ? database.thread : undefined;
    };
    assert.equal(thread({}), 'worker');
    assert.equal(thread({ SUBSPACE_PGLITE_THREAD: 'main' }), 'main');
    fails({ SUBSPACE_PGLITE_THREAD: 'both' }, 'SUBSPACE_PGLITE_THREAD');
  });

  it('reads Mastodon variable names for a scaled-out instance', () => {
    const config = loadConfig({
      SUBSPACE_DATA_DIR: dir,
      LOCAL_DOMAIN: 'example.com',
      WEB_DOMAIN: 'social.example.com',
      DB_HOST: 'db.internal',
      DB_PORT: '6432',
      DB_NAME: 'mastodon_production',
      DB_USER: 'mastodon',
      DB_PASS: 's3cret',
      DB_SSLMODE: 'require',
      DB_POOL: '25',
      PREPARED_STATEMENTS: 'false',
      REDIS_HOST: 'redis.internal',
      REDIS_PORT: '6380',
      REDIS_PASSWORD: 'pw',
      SIDEKIQ_REDIS_URL: 'rediss://queue.internal:6379/1',
      SECRET_KEY_BASE: SECRET,
      SIDEKIQ_CONCURRENCY: '20',
    });
    assert.equal(config.https, true, 'production domains are https');
    assert.equal(config.webDomain, 'social.example.com');
    assert.equal(config.streamingApiBaseUrl, 'wss://social.example.com');
    assert.deepEqual(config.database, {
      kind: 'postgres',
      host: 'db.internal',
      port: 6432,
      name: 'mastodon_production',
      user: 'mastodon',
      password: 's3cret',
      sslmode: 'require',
      pool: 25,
      preparedStatements: false,
    });
    assert.equal(config.redis?.url, 'redis://:pw@redis.internal:6380/0');
    assert.equal(config.cacheRedis?.url, 'redis://:pw@redis.internal:6380/0');
    assert.equal(config.queueRedis?.url, 'rediss://queue.internal:6379/1');
    assert.equal(config.queueConcurrency, 20);
  });

  it('lets DATABASE_URL win over the DB_ parts', () => {
    const config = loadConfig({ SUBSPACE_DATA_DIR: dir, DATABASE_URL: 'postgresql://u:p%40ss@pg.example:5433/db?sslmode=verify-full', DB_HOST: 'ignored', SECRET_KEY_BASE: SECRET });
    assert.equal(config.database.kind, 'postgres');
    if (config.database.kind !== 'postgres') return;
    assert.equal(config.database.host, 'pg.example');
    assert.equal(config.database.port, 5433);
    assert.equal(config.database.password, 'p@ss');
    assert.equal(config.database.sslmode, 'verify-full');
  });

  it('names the variable of a bad or missing value in a single line', () => {
    fails({ PORT: 'abc' }, 'PORT');
    fails({ PORT: '70000' }, 'PORT');
    fails({ LOCAL_DOMAIN: 'https://example.com/' }, 'LOCAL_DOMAIN');
    fails({ LOCAL_HTTPS: 'maybe' }, 'LOCAL_HTTPS');
    fails({ DB_HOST: 'db', SECRET_KEY_BASE: SECRET, DB_SSLMODE: 'bogus' }, 'DB_SSLMODE');
    fails({ DB_HOST: 'db', SECRET_KEY_BASE: SECRET, DB_PORT: '-1' }, 'DB_PORT');
    fails({ DATABASE_URL: 'mysql://x/y', SECRET_KEY_BASE: SECRET }, 'DATABASE_URL');
    fails({ REDIS_URL: 'http://x' }, 'REDIS_URL');
    fails({ CACHE_REDIS_URL: 'not a url' }, 'CACHE_REDIS_URL');
    fails({ DB_HOST: 'db' }, 'SECRET_KEY_BASE');
    fails({ SECRET_KEY_BASE: 'short' }, 'SECRET_KEY_BASE');
    fails({ SINGLE_USER_MODE: 'sometimes' }, 'SINGLE_USER_MODE');
    fails({ STREAMING_API_BASE_URL: 'ftp://x' }, 'STREAMING_API_BASE_URL');
    fails({ SIDEKIQ_CONCURRENCY: '0' }, 'SIDEKIQ_CONCURRENCY');
    fails({ PERSISTENT_TIMEOUT: '0' }, 'PERSISTENT_TIMEOUT');
  });

  it('reads ALLOWED_PRIVATE_ADDRESSES as IP addresses and CIDR ranges', () => {
    assert.deepEqual(loadConfig({ SUBSPACE_DATA_DIR: dir }).allowedPrivateAddresses, []);
    const config = loadConfig({ SUBSPACE_DATA_DIR: dir, ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1, 10.0.0.0/8,FD00::/8' });
    assert.deepEqual(config.allowedPrivateAddresses, ['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/1', '10.0.0']) fails({ ALLOWED_PRIVATE_ADDRESSES: bad }, 'ALLOWED_PRIVATE_ADDRESSES');
  });

  it('generates Web Push keys into the data dir when embedded, beside the secret key base, and keeps them', () => {
    const data = join(dir, 'vapid');
    const config = loadConfig({ SUBSPACE_DATA_DIR: data });
    const vapid = config.vapid!;
    assert.equal(Buffer.from(vapid.publicKey, 'base64url').length, 65);
    assert.equal(Buffer.from(vapid.privateKey, 'base64url').length, 32);
    const again = loadConfig({ SUBSPACE_DATA_DIR: data });
    assert.deepEqual(again.vapid, vapid, 'the keys survive restarts');
    assert.equal(again.secretKeyBase, config.secretKeyBase, 'the secret key base is kept beside them');
    assert.equal(statSync(join(data, 'secrets.json')).mode & 0o777, 0o600);
  });

  it('reads VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY (padded as Mastodon writes them, or not), and needs both to match', () => {
    const keys = generateVapidKeys();
    const server = { SUBSPACE_DATA_DIR: dir, DATABASE_URL: 'postgres://db/x', SECRET_KEY_BASE: SECRET };
    assert.equal(loadConfig(server).vapid, undefined, 'server mode has no Web Push without the keys');
    assert.deepEqual(loadConfig({ ...server, VAPID_PRIVATE_KEY: `${keys.privateKey}=`, VAPID_PUBLIC_KEY: `${keys.publicKey}=` }).vapid, keys);
    assert.deepEqual(loadConfig({ SUBSPACE_DATA_DIR: join(dir, 'vapid-env'), VAPID_PRIVATE_KEY: keys.privateKey, VAPID_PUBLIC_KEY: keys.publicKey }).vapid, keys);
    fails({ ...server, VAPID_PUBLIC_KEY: keys.publicKey }, 'VAPID_PRIVATE_KEY');
    fails({ ...server, VAPID_PRIVATE_KEY: keys.privateKey }, 'VAPID_PUBLIC_KEY');
    fails({ ...server, VAPID_PRIVATE_KEY: generateVapidKeys().privateKey, VAPID_PUBLIC_KEY: keys.publicKey }, 'VAPID_PRIVATE_KEY');
    fails({ ...server, VAPID_PRIVATE_KEY: 'short', VAPID_PUBLIC_KEY: keys.publicKey }, 'VAPID_PRIVATE_KEY');
  });

  it("reads the translation service as Mastodon does: DeepL's plan picks its host, LibreTranslate otherwise", () => {
    assert.equal(loadConfig({ SUBSPACE_DATA_DIR: dir }).translation, undefined);
    assert.deepEqual(loadConfig({ SUBSPACE_DATA_DIR: dir, DEEPL_API_KEY: 'k' }).translation, { kind: 'deepl', apiKey: 'k', baseUrl: 'https://api-free.deepl.com' });
    assert.deepEqual(loadConfig({ SUBSPACE_DATA_DIR: dir, DEEPL_API_KEY: 'k', DEEPL_PLAN: 'pro' }).translation, { kind: 'deepl', apiKey: 'k', baseUrl: 'https://api.deepl.com' });
    assert.deepEqual(loadConfig({ SUBSPACE_DATA_DIR: dir, LIBRE_TRANSLATE_ENDPOINT: 'http://127.0.0.1:5000/', LIBRE_TRANSLATE_API_KEY: 'l' }).translation, {
      kind: 'libretranslate',
      endpoint: 'http://127.0.0.1:5000',
      apiKey: 'l',
    });
    // both set: DeepL, as in Mastodon
    assert.equal(loadConfig({ SUBSPACE_DATA_DIR: dir, DEEPL_API_KEY: 'k', LIBRE_TRANSLATE_ENDPOINT: 'http://127.0.0.1:5000' }).translation?.kind, 'deepl');
    fails({ DEEPL_API_KEY: 'k', DEEPL_PLAN: 'enterprise' }, 'DEEPL_PLAN');
    fails({ LIBRE_TRANSLATE_ENDPOINT: 'translate.example' }, 'LIBRE_TRANSLATE_ENDPOINT');
  });

  it('reads .env.production and .env without overriding the real environment', () => {
    const project = mkdtempSync(join(tmpdir(), 'subspace-envfile-'));
    writeFileSync(join(project, '.env.production'), 'LOCAL_DOMAIN=from-file.example\nPORT=4000\n# comment\nSINGLE_USER_MODE=true\n');
    const env = withEnvFiles({ PORT: '5000' }, project);
    assert.equal(env.LOCAL_DOMAIN, 'from-file.example');
    assert.equal(env.PORT, '5000');
    assert.equal(loadConfig({ ...env, SUBSPACE_DATA_DIR: dir }).singleUserMode, true);
    rmSync(project, { recursive: true, force: true });
  });
});
