import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { backupFromEnv, type BackupConfig } from './backup.ts';
import { ConfigError } from './errors.ts';
import { metricsFromEnv, statusPageUrl, type MetricsConfig } from './metrics.ts';
import { storedSecret } from './generated-secrets.ts';
import { storageFromEnv, type StorageConfig } from './storage.ts';
import { bool, int, str, url, type Env } from './values.ts';
import { translationFromEnv, type TranslationConfig } from './translation.ts';
import { vapidFromEnv, type VapidKeys } from './vapid.ts';

export { ConfigError } from './errors.ts';
export type { S3Config, StorageConfig } from './storage.ts';
export type { MetricsConfig } from './metrics.ts';
export type { TranslationConfig } from './translation.ts';
export type { VapidKeys } from './vapid.ts';
export type { BackupConfig } from './backup.ts';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string; thread: 'worker' | 'main' }
  | {
      kind: 'postgres';
      host: string;
      port: number;
      name: string;
      user: string;
      password: string;
      sslmode: SslMode;
      pool: number;
      preparedStatements: boolean;
    };

export interface RedisConfig {
  url: string;
}

export interface SmtpConfig {
  server: string;
  port: number;
  login?: string;
  password?: string;
  authMethod: string;
  enableStarttlsAuto: boolean;
  /** `SMTP_ENABLE_STARTTLS` (Mastodon 4): `always` refuses a server without STARTTLS, `never` does not use it; unset or `auto` leaves it to SMTP_ENABLE_STARTTLS_AUTO */
  starttls?: 'always' | 'never' | 'auto';
  tls: boolean;
  opensslVerifyMode: 'none' | 'peer';
  caFile?: string;
}

export interface Config {
  env: 'production' | 'development' | 'test';
  localDomain: string;
  webDomain: string;
  https: boolean;
  port: number;
  bind: string;
  dataDir: string;
  secretKeyBase: string;
  singleUserMode: boolean;
  streamingApiBaseUrl: string;
  database: DatabaseConfig;
  /** Redis for cache, pub/sub and feeds; absent in embedded mode. */
  redis?: RedisConfig;
  /** Redis for the job queues (`SIDEKIQ_REDIS_*`, defaulting to the main one). */
  queueRedis?: RedisConfig;
  /** Redis for the cache (`CACHE_REDIS_*`, defaulting to the main one). */
  cacheRedis?: RedisConfig;
  queueConcurrency: number;
  /** `IP_RETENTION_PERIOD` (seconds, a year by default): how long IP addresses of sessions, sign-ups and tokens are kept */
  ipRetentionSeconds: number;
  /** `SESSION_RETENTION_PERIOD` (seconds, a year by default): how long a browser session lasts at most */
  sessionRetentionSeconds: number;
  /** `WEB_CONCURRENCY` (Puma's, as Mastodon sets it): how many processes `subspace web` forks to share its port (server mode) */
  webConcurrency: number;
  /** how long a worker's lock on a running job lasts unrenewed, and how often workers look for jobs whose worker died */
  jobLockSeconds: number;
  userActiveDays: number;
  trustedProxies: string[];
  /** `PERSISTENT_TIMEOUT` (Puma's, as Mastodon sets it): how long an idle keep-alive connection is kept open */
  persistentTimeoutSeconds: number;
  /** private or loopback addresses (IPs or CIDR ranges) that federation may still fetch from (`ALLOWED_PRIVATE_ADDRESSES`) */
  allowedPrivateAddresses: string[];
  /** `AUTHORIZED_FETCH`: ActivityPub GETs must be signed by an actor from a domain that is not suspended */
  authorizedFetch: boolean;
  /** `LIMITED_FEDERATION_MODE`: federate only with the domains an admin allowed */
  limitedFederationMode: boolean;
  mail: { from: string; smtp?: SmtpConfig };
  /** uploaded media: the data dir, or an S3-compatible bucket (`S3_*`) */
  storage: StorageConfig;
  logLevel: string;
  /** video and audio processing: the ffmpeg and ffprobe programs (`FFMPEG_BINARY`, `FFPROBE_BINARY`, as Mastodon names them; the bundled static builds when unset), and how many transcodes one process runs at once */
  media: { ffmpegBinary?: string; ffprobeBinary?: string; transcodeConcurrency: number };
  /** the Web Push key pair (`VAPID_PRIVATE_KEY`, `VAPID_PUBLIC_KEY`; generated into the data dir when embedded); undefined: no Web Push */
  vapid?: VapidKeys;
  /** the translation service (DeepL or LibreTranslate); undefined: statuses are not translated */
  translation?: TranslationConfig;
  /** `MEDIA_CACHE_RETENTION_PERIOD`: days after which cached copies of other servers' media are removed; undefined keeps them */
  mediaCacheRetentionDays?: number;
  /** `CONTENT_CACHE_RETENTION_PERIOD`: days after which other servers' statuses no member did anything with are deleted; undefined keeps them */
  contentCacheRetentionDays?: number;
  /** hCaptcha on the web sign-up (`HCAPTCHA_SITE_KEY`, `HCAPTCHA_SECRET_KEY`; both or it is off), verified at `HCAPTCHA_VERIFY_URL` */
  hcaptcha?: { siteKey: string; secretKey: string; verifyUrl: string };
  /** `EMAIL_DOMAIN_ALLOWLIST` (or `_WHITELIST`): when set, sign-ups only from these e-mail domains and their subdomains */
  emailDomainAllowlist: string[];
  /** `EMAIL_DOMAIN_DENYLIST` (or `_BLACKLIST`; Mastodon's default `mvrht.com`): no sign-ups from these e-mail domains and their subdomains */
  emailDomainDenylist: string[];
  /** the Prometheus exporter (`MASTODON_PROMETHEUS_EXPORTER_*`) */
  metrics: MetricsConfig;
  /** `STATUS_PAGE_URL`: shown in the instance API */
  statusPageUrl?: string;
  /** encrypted backups (`BACKUP_*`) */
  backup: BackupConfig;
}

const YEAR_SECONDS = 365 * 24 * 3600;

const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function domain(env: Env, name: string, fallback: string): string {
  const raw = str(env, name) ?? fallback;
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(raw) || raw.startsWith('.') || raw.includes('..')) {
    throw new ConfigError(name, `must be a host name such as example.com (no scheme or path), got "${raw}"`);
  }
  return raw.toLowerCase();
}

function isLocalHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || /^127\./.test(name);
}

/** One Redis URL from `<PREFIX>REDIS_URL` (`rediss://` for TLS) or its `_HOST`/`_PORT`/`_DB`/`_USER`/`_PASSWORD` parts. */
function redisFromEnv(env: Env, prefix: string): RedisConfig | undefined {
  const urlName = `${prefix}REDIS_URL`;
  const direct = url(env, urlName, ['redis:', 'rediss:']);
  if (direct) return { url: direct };
  // as Mastodon's RedisConfiguration: any of the main Redis's parts names one, on localhost unless
  // REDIS_HOST says otherwise; a SIDEKIQ_ or CACHE_ Redis needs its own host (else it is the main one)
  const parts = (prefix ? ['HOST'] : ['HOST', 'PORT', 'DB', 'USER', 'PASSWORD']).map((part) => str(env, `${prefix}REDIS_${part}`));
  if (parts.every((part) => part === undefined)) return undefined;
  const named = str(env, `${prefix}REDIS_HOST`) ?? 'localhost';
  const host = named.includes(':') && !named.startsWith('[') ? `[${named}]` : named;
  const port = int(env, `${prefix}REDIS_PORT`, 6379, 1, 65535);
  const db = int(env, `${prefix}REDIS_DB`, 0, 0, 1024);
  const user = str(env, `${prefix}REDIS_USER`) ?? '';
  const password = str(env, `${prefix}REDIS_PASSWORD`);
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : '';
  return { url: `redis://${auth}${host}:${port}/${db}` };
}

/** Mastodon's ALLOWED_PRIVATE_ADDRESSES: comma-separated IP addresses or CIDR ranges, e.g. `127.0.0.1,10.0.0.0/8`. */
function addressRanges(env: Env, name: string): string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  return raw
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((range) => {
      const [address, prefix, extra] = range.split('/');
      const family = isIP(address ?? '');
      const bits = family === 6 ? 128 : 32;
      const prefixValid = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
      if (family === 0 || !prefixValid || extra !== undefined) throw new ConfigError(name, `must list IP addresses or CIDR ranges, got "${range}"`);
      return range.toLowerCase();
    });
}

function databaseFromEnv(env: Env, dataDir: string): DatabaseConfig {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const host = str(env, 'DB_HOST');
  if (!databaseUrl && !host) {
    const thread = str(env, 'SUBSPACE_PGLITE_THREAD') ?? 'worker';
    if (thread !== 'worker' && thread !== 'main') throw new ConfigError('SUBSPACE_PGLITE_THREAD', 'must be worker or main');
    return { kind: 'pglite', dataDir: resolve(dataDir, 'db'), thread };
  }
  // DATABASE_URL wins over the DB_* parts, as in Mastodon.
  const parsed = databaseUrl ? new URL(databaseUrl) : undefined;
  const sslmode = (str(env, 'DB_SSLMODE') ?? parsed?.searchParams.get('sslmode') ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslmode)) throw new ConfigError('DB_SSLMODE', `must be one of ${SSL_MODES.join(', ')}`);
  const urlPort = parsed?.port ? Number(parsed.port) : undefined;
  return {
    kind: 'postgres',
    host: parsed ? decodeURIComponent(parsed.hostname) || 'localhost' : host!,
    port: urlPort ?? int(env, 'DB_PORT', 5432, 1, 65535),
    name: parsed ? decodeURIComponent(parsed.pathname.slice(1)) || 'mastodon_production' : (str(env, 'DB_NAME') ?? 'mastodon_production'),
    user: parsed ? decodeURIComponent(parsed.username) || 'mastodon' : (str(env, 'DB_USER') ?? 'mastodon'),
    password: parsed ? decodeURIComponent(parsed.password) : (str(env, 'DB_PASS') ?? ''),
    sslmode,
    pool: int(env, 'DB_POOL', int(env, 'MAX_THREADS', 5, 1, 1000), 1, 1000),
    preparedStatements: bool(env, 'PREPARED_STATEMENTS', true),
  };
}

function smtpFromEnv(env: Env): SmtpConfig | undefined {
  const server = str(env, 'SMTP_SERVER');
  if (!server) return undefined;
  const verify = (str(env, 'SMTP_OPENSSL_VERIFY_MODE') ?? 'peer').toLowerCase();
  if (verify !== 'none' && verify !== 'peer') throw new ConfigError('SMTP_OPENSSL_VERIFY_MODE', 'must be none or peer');
  const starttls = str(env, 'SMTP_ENABLE_STARTTLS')?.toLowerCase();
  if (starttls !== undefined && starttls !== 'always' && starttls !== 'never' && starttls !== 'auto') throw new ConfigError('SMTP_ENABLE_STARTTLS', 'must be always, never or auto');
  return {
    server,
    port: int(env, 'SMTP_PORT', 587, 1, 65535),
    login: str(env, 'SMTP_LOGIN'),
    password: str(env, 'SMTP_PASSWORD'),
    authMethod: str(env, 'SMTP_AUTH_METHOD') ?? 'plain',
    enableStarttlsAuto: bool(env, 'SMTP_ENABLE_STARTTLS_AUTO', true),
    starttls,
    tls: bool(env, 'SMTP_TLS', false) || bool(env, 'SMTP_SSL', false),
    opensslVerifyMode: verify,
    caFile: str(env, 'SMTP_CA_FILE'),
  };
}

/**
 * The secret used to sign cookies and derive keys. Server mode must share one across processes,
 * so it has to come from the environment; embedded mode generates one and keeps it in the data dir.
 */
function secretKeyBase(env: Env, dataDir: string, embedded: boolean): string {
  const given = str(env, 'SECRET_KEY_BASE');
  if (given) {
    if (given.length < 32) throw new ConfigError('SECRET_KEY_BASE', 'must be at least 32 characters long');
    return given;
  }
  if (!embedded) {
    throw new ConfigError('SECRET_KEY_BASE', 'is required when the database is PostgreSQL (generate one with `subspace secret`)');
  }
  return storedSecret(
    dataDir,
    'secretKeyBase',
    () => randomBytes(64).toString('hex'),
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
}

export function loadConfig(env: Env): Config {
  const nodeEnv = str(env, 'NODE_ENV') ?? str(env, 'RAILS_ENV') ?? 'production';
  if (!['production', 'development', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', 'must be production, development or test');
  }
  const port = int(env, 'PORT', 3000, 0, 65535);
  const localDomain = domain(env, 'LOCAL_DOMAIN', `localhost:${port}`);
  const webDomain = domain(env, 'WEB_DOMAIN', localDomain);
  const https = bool(env, 'LOCAL_HTTPS', !isLocalHost(webDomain));
  const dataDir = resolve(str(env, 'SUBSPACE_DATA_DIR') ?? './data');
  const database = databaseFromEnv(env, dataDir);
  const redis = redisFromEnv(env, '');
  const streaming = url(env, 'STREAMING_API_BASE_URL', ['ws:', 'wss:', 'http:', 'https:']);
  const trusted = str(env, 'TRUSTED_PROXY_IP');

  return {
    env: nodeEnv as Config['env'],
    localDomain,
    webDomain,
    https,
    port,
    bind: str(env, 'BIND') ?? '127.0.0.1',
    dataDir,
    secretKeyBase: secretKeyBase(env, dataDir, database.kind === 'pglite'),
    singleUserMode: bool(env, 'SINGLE_USER_MODE', false),
    streamingApiBaseUrl: (streaming ?? `${https ? 'wss' : 'ws'}://${webDomain}`).replace(/\/$/, ''),
    database,
    redis,
    queueRedis: redisFromEnv(env, 'SIDEKIQ_') ?? redis,
    cacheRedis: redisFromEnv(env, 'CACHE_') ?? redis,
    queueConcurrency: int(env, 'SIDEKIQ_CONCURRENCY', 5, 1, 1000),
    webConcurrency: int(env, 'WEB_CONCURRENCY', 1, 1, 256),
    ipRetentionSeconds: int(env, 'IP_RETENTION_PERIOD', YEAR_SECONDS, 1),
    sessionRetentionSeconds: int(env, 'SESSION_RETENTION_PERIOD', YEAR_SECONDS, 1),
    jobLockSeconds: int(env, 'SUBSPACE_JOB_LOCK_SECONDS', 30, 1, 3600),
    userActiveDays: int(env, 'USER_ACTIVE_DAYS', 7, 1, 3650),
    trustedProxies: trusted ? trusted.split(/[,\s]+/).filter(Boolean) : [],
    persistentTimeoutSeconds: int(env, 'PERSISTENT_TIMEOUT', 20, 1, 3600),
    allowedPrivateAddresses: addressRanges(env, 'ALLOWED_PRIVATE_ADDRESSES'),
    // As in Mastodon, limited federation mode implies authorized fetch.
    authorizedFetch: bool(env, 'AUTHORIZED_FETCH', false) || bool(env, 'LIMITED_FEDERATION_MODE', false),
    limitedFederationMode: bool(env, 'LIMITED_FEDERATION_MODE', false),
    mail: {
      from: str(env, 'SMTP_FROM_ADDRESS') ?? `notifications@${localDomain.replace(/:\d+$/, '')}`,
      smtp: smtpFromEnv(env),
    },
    storage: storageFromEnv(env),
    logLevel: str(env, 'LOG_LEVEL') ?? str(env, 'RAILS_LOG_LEVEL') ?? 'info',
    media: {
      ffmpegBinary: str(env, 'FFMPEG_BINARY'),
      ffprobeBinary: str(env, 'FFPROBE_BINARY'),
      transcodeConcurrency: int(env, 'SUBSPACE_MEDIA_TRANSCODES', 1, 1, 64),
    },
    vapid: vapidFromEnv(env, dataDir, database.kind === 'pglite'),
    translation: translationFromEnv(env),
    // Mastodon's media_cache_retention_period: a positive number of days, anything else keeps the cache
    mediaCacheRetentionDays: int(env, 'MEDIA_CACHE_RETENTION_PERIOD', 0, 0, 36_500) || undefined,
    contentCacheRetentionDays: int(env, 'CONTENT_CACHE_RETENTION_PERIOD', 0, 0, 36_500) || undefined,
    hcaptcha: hcaptchaFromEnv(env),
    emailDomainAllowlist: domainList(str(env, 'EMAIL_DOMAIN_ALLOWLIST') ?? str(env, 'EMAIL_DOMAIN_WHITELIST') ?? ''),
    emailDomainDenylist: domainList(str(env, 'EMAIL_DOMAIN_DENYLIST') ?? str(env, 'EMAIL_DOMAIN_BLACKLIST') ?? 'mvrht.com'),
    metrics: metricsFromEnv(env),
    statusPageUrl: statusPageUrl(env),
    backup: backupFromEnv(env),
  };
}

/** Mastodon's e-mail domain lists: domains separated by `|` (the alternatives of its regular expression). */
function domainList(value: string): string[] {
  return value
    .split('|')
    .map((domain) => domain.trim().toLowerCase())
    .filter(Boolean);
}

function hcaptchaFromEnv(env: Env): Config['hcaptcha'] {
  const siteKey = str(env, 'HCAPTCHA_SITE_KEY');
  const secretKey = str(env, 'HCAPTCHA_SECRET_KEY');
  if (!siteKey || !secretKey) return undefined;
  return { siteKey, secretKey, verifyUrl: url(env, 'HCAPTCHA_VERIFY_URL', ['https:', 'http:']) ?? 'https://api.hcaptcha.com/siteverify' };
}

/** The public base URL of this instance, e.g. `https://example.com`. */
export function baseUrl(config: Config): string {
  return `${config.https ? 'https' : 'http'}://${config.webDomain}`;
}
