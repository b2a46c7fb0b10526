import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeConfig } from '../../src/config/describe.ts';
import { loadConfig } from '../../src/config/index.ts';
import { configWarnings, editDistance, SUBSPACE_VARIABLES } from '../../src/config/known-variables.ts';
import { exporterPort } from '../../src/roles/metrics-exporter.ts';
import { ROOT, sourceFiles } from '../architecture/import-graph.ts';

const dir = mkdtempSync(join(tmpdir(), 'subspace-operations-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'k'.repeat(64);
const load = (env: Record<string, string>) => loadConfig({ SUBSPACE_DATA_DIR: dir, ...env });

describe('the metrics exporter’s configuration (Mastodon’s variables)', () => {
  it('is off unless MASTODON_PROMETHEUS_EXPORTER_ENABLED, on localhost:9394 by default', () => {
    assert.deepEqual(load({}).metrics, { enabled: false, local: false, host: 'localhost', port: 9394, webDetailed: false, sidekiqDetailed: false });
    const on = load({
      MASTODON_PROMETHEUS_EXPORTER_ENABLED: 'true',
      MASTODON_PROMETHEUS_EXPORTER_LOCAL: 'true',
      MASTODON_PROMETHEUS_EXPORTER_HOST: '0.0.0.0',
      MASTODON_PROMETHEUS_EXPORTER_PORT: '9500',
      MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS: 'true',
      MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS: 'true',
    }).metrics;
    assert.deepEqual(on, { enabled: true, local: true, host: '0.0.0.0', port: 9500, webDetailed: true, sidekiqDetailed: true });
    assert.throws(() => load({ MASTODON_PROMETHEUS_EXPORTER_PORT: 'x' }), /MASTODON_PROMETHEUS_EXPORTER_PORT/);
  });

  it('gives each role its own port on one machine, and every role of one process the port itself', () => {
    assert.equal(exporterPort(9394, { web: true }), 9394);
    assert.equal(exporterPort(9394, { streaming: true }), 9395);
    assert.equal(exporterPort(9394, { worker: { queues: ['default'], concurrency: 1 } }), 9396);
    assert.equal(exporterPort(9394, { scheduler: true }), 9397);
    assert.equal(exporterPort(9394, { web: true, streaming: true, worker: { queues: ['default'], concurrency: 1 }, scheduler: true }), 9394);
    assert.equal(exporterPort(0, { scheduler: true }), 0, 'port 0 stays a free port');
  });

  it('sends to StatsD at STATSD_ADDR (host:port) under STATSD_NAMESPACE, Mastodon.production by default', () => {
    assert.deepEqual(load({ STATSD_ADDR: 'statsd.internal:8126' }).metrics.statsd, { host: 'statsd.internal', port: 8126, namespace: 'Mastodon.production' });
    assert.deepEqual(load({ STATSD_ADDR: '[::1]:9125', STATSD_NAMESPACE: 'social' }).metrics.statsd, { host: '::1', port: 9125, namespace: 'social' });
    assert.equal(load({ STATSD_ADDR: '127.0.0.1' }).metrics.statsd?.port, 8125);
    assert.equal(load({}).metrics.statsd, undefined);
    for (const bad of ['host:99999', 'a b:1', 'host:port']) assert.throws(() => load({ STATSD_ADDR: bad }), /STATSD_ADDR/);
  });

  it('reads STATUS_PAGE_URL, an http(s) URL', () => {
    assert.equal(load({ STATUS_PAGE_URL: 'https://status.example.com' }).statusPageUrl, 'https://status.example.com');
    assert.equal(load({}).statusPageUrl, undefined);
    assert.throws(() => load({ STATUS_PAGE_URL: 'status.example.com' }), /STATUS_PAGE_URL/);
  });
});

describe('Redis as Mastodon configures it', () => {
  const redis = (env: Record<string, string>) => {
    const config = load(env);
    return { main: config.redis?.url, queue: config.queueRedis?.url, cache: config.cacheRedis?.url };
  };

  it('builds the URL from REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_USER and REDIS_PASSWORD (escaped)', () => {
    assert.equal(redis({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss:word' }).main, 'redis://:p%40ss%3Aword@redis.internal:6380/0');
    assert.equal(redis({ REDIS_HOST: 'redis.internal', REDIS_USER: 'subspace', REDIS_PASSWORD: 'pw', REDIS_DB: '3' }).main, 'redis://subspace:pw@redis.internal:6379/3');
    assert.equal(redis({ REDIS_HOST: '::1' }).main, 'redis://[::1]:6379/0');
  });

  it('takes localhost when only the port or password is given, as Mastodon’s defaults do; a prefixed Redis needs its own host', () => {
    assert.equal(redis({ REDIS_PASSWORD: 'pw' }).main, 'redis://:pw@localhost:6379/0');
    assert.equal(redis({ REDIS_PORT: '6390' }).main, 'redis://localhost:6390/0');
    assert.deepEqual(redis({ REDIS_URL: 'redis://main:6379/0', SIDEKIQ_REDIS_PASSWORD: 'x' }), { main: 'redis://main:6379/0', queue: 'redis://main:6379/0', cache: 'redis://main:6379/0' });
    assert.deepEqual(redis({}), { main: undefined, queue: undefined, cache: undefined }, 'no Redis: the embedded drivers');
  });

  it('keeps a rediss:// URL (TLS), which wins over the parts', () => {
    assert.deepEqual(redis({ REDIS_URL: 'rediss://:pw@redis.example.com:6380/2', REDIS_HOST: 'ignored' }).main, 'rediss://:pw@redis.example.com:6380/2');
    assert.equal(redis({ REDIS_HOST: 'a', CACHE_REDIS_URL: 'rediss://cache.example.com:6380/0' }).cache, 'rediss://cache.example.com:6380/0');
  });
});

describe('configuration honesty: warnings about variables Subspace ignores', () => {
  it('names a Mastodon variable Subspace does not support', () => {
    assert.deepEqual(configWarnings({ ES_ENABLED: 'true', ALTERNATE_DOMAINS: 'x', LOCAL_DOMAIN: 'example.com' }), [
      'ALTERNATE_DOMAINS is a Mastodon setting Subspace does not support: it is ignored',
      'ES_ENABLED is a Mastodon setting Subspace does not support: it is ignored',
    ]);
  });

  it('names a misspelt variable and the one it is close to', () => {
    assert.deepEqual(configWarnings({ SMTP_SEVER: 'mail', LOCAL_DOMIAN: 'example.com', MASTODON_PROMETHEUS_EXPORTER_PROT: '1' }), [
      'LOCAL_DOMIAN is not a variable Subspace reads: did you mean LOCAL_DOMAIN? It is ignored',
      'MASTODON_PROMETHEUS_EXPORTER_PROT is not a variable Subspace reads: did you mean MASTODON_PROMETHEUS_EXPORTER_PORT? It is ignored',
      'SMTP_SEVER is not a variable Subspace reads: did you mean SMTP_SERVER? It is ignored',
    ]);
    assert.deepEqual(configWarnings({ SUBSPACE_DATADIR: 'x', SUBSPACE_SOMETHING_ELSE: 'y' }), [
      'SUBSPACE_DATADIR is not a variable Subspace reads: did you mean SUBSPACE_DATA_DIR? It is ignored',
      'SUBSPACE_SOMETHING_ELSE is not a variable Subspace reads: it is ignored',
    ]);
  });

  it('says nothing about the variables it reads, nor about the system’s own', () => {
    const env = {
      ...Object.fromEntries([...SUBSPACE_VARIABLES].map((name) => [name, 'x'])),
      PATH: '/bin',
      HOME: '/root',
      TERM: 'xterm',
      HOSTNAME: 'box',
      LANG: 'C.UTF-8',
      SHLVL: '1',
      NODE_OPTIONS: '',
      TMPDIR: '/tmp',
      PWD: '/',
      USER: 'root',
    };
    assert.deepEqual(configWarnings(env), []);
  });

  it('lists every variable src/config reads', () => {
    const read = new Set<string>();
    for (const file of sourceFiles('src/config')) {
      for (const [, name] of readFileSync(join(ROOT, file), 'utf8').matchAll(/\b(?:str|int|bool|url|host|domain|addressRanges)\(env, '([A-Z0-9_]+)'/g)) read.add(name!);
    }
    assert.ok(read.size > 50, `found ${read.size}`);
    assert.deepEqual(
      [...read].filter((name) => !SUBSPACE_VARIABLES.has(name)),
      [],
      'add these to SUBSPACE_VARIABLES in src/config/known-variables.ts',
    );
  });

  it('measures edit distance', () => {
    assert.equal(editDistance('SMTP_SERVER', 'SMTP_SEVER'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('abc', 'abcdef', 2), 3, 'stops past the limit');
  });
});

describe('config check: the effective configuration with secrets masked', () => {
  it('prints every setting, masking keys, passwords and the passwords inside URLs', () => {
    const config = load({
      DB_HOST: 'db.internal',
      DB_PASS: 'database-password',
      SECRET_KEY_BASE: SECRET,
      REDIS_URL: 'rediss://default:redis-password@redis.example.com:6380/0',
      SMTP_SERVER: 'smtp.example.com',
      SMTP_PASSWORD: 'smtp-password',
      S3_ENABLED: 'true',
      S3_BUCKET: 'media',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    });
    const text = describeConfig(config).join('\n');
    for (const secret of ['database-password', SECRET, 'redis-password', 'smtp-password', 'AKIAEXAMPLE', 'aws-secret']) assert.ok(!text.includes(secret), `${secret} is masked`);
    assert.match(text, /^secretKeyBase = \*{8}$/m);
    assert.match(text, /^database\.password = \*{8}$/m);
    assert.match(text, /^database\.host = db\.internal$/m);
    assert.match(text, /^redis\.url = rediss:\/\/default:\*{8}@redis\.example\.com:6380\/0$/m);
    assert.match(text, /^mail\.smtp\.password = \*{8}$/m);
    assert.match(text, /^storage\.bucket = media$/m);
    assert.match(text, /^metrics\.port = 9394$/m);
  });
});
