import type { Env } from './values.ts';

/**
 * Configuration honesty: the variables Subspace reads, and Mastodon's that it does not. A start-up
 * warning names each variable of the environment that is Mastodon's but unsupported here, or that
 * looks like a misspelling of one Subspace reads (`test/config/known-variables.test.ts` checks that
 * every variable src/config reads is listed here).
 */

const REDIS_PARTS = ['URL', 'HOST', 'PORT', 'DB', 'USER', 'PASSWORD'];

/** Every variable Subspace reads. */
export const SUBSPACE_VARIABLES: ReadonlySet<string> = new Set([
  'LOCAL_DOMAIN',
  'WEB_DOMAIN',
  'LOCAL_HTTPS',
  'PORT',
  'BIND',
  'PERSISTENT_TIMEOUT',
  'SECRET_KEY_BASE',
  'SINGLE_USER_MODE',
  'STREAMING_API_BASE_URL',
  'STATUS_PAGE_URL',
  'DEEPL_API_KEY',
  'DEEPL_PLAN',
  'LIBRE_TRANSLATE_ENDPOINT',
  'LIBRE_TRANSLATE_API_KEY',
  'VAPID_PRIVATE_KEY',
  'VAPID_PUBLIC_KEY',
  'HCAPTCHA_SITE_KEY',
  'HCAPTCHA_SECRET_KEY',
  'HCAPTCHA_VERIFY_URL',
  'EMAIL_DOMAIN_ALLOWLIST',
  'EMAIL_DOMAIN_DENYLIST',
  'EMAIL_DOMAIN_WHITELIST',
  'EMAIL_DOMAIN_BLACKLIST',
  'NODE_ENV',
  'RAILS_ENV',
  'LOG_LEVEL',
  'RAILS_LOG_LEVEL',
  'DATABASE_URL',
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_USER',
  'DB_PASS',
  'DB_SSLMODE',
  'DB_POOL',
  'MAX_THREADS',
  'PREPARED_STATEMENTS',
  ...['', 'SIDEKIQ_', 'CACHE_'].flatMap((prefix) => REDIS_PARTS.map((part) => `${prefix}REDIS_${part}`)),
  'SIDEKIQ_CONCURRENCY',
  'WEB_CONCURRENCY',
  'IP_RETENTION_PERIOD',
  'SESSION_RETENTION_PERIOD',
  'USER_ACTIVE_DAYS',
  'TRUSTED_PROXY_IP',
  'ALLOWED_PRIVATE_ADDRESSES',
  'AUTHORIZED_FETCH',
  'LIMITED_FEDERATION_MODE',
  'SMTP_SERVER',
  'SMTP_PORT',
  'SMTP_LOGIN',
  'SMTP_PASSWORD',
  'SMTP_FROM_ADDRESS',
  'SMTP_AUTH_METHOD',
  'SMTP_ENABLE_STARTTLS_AUTO',
  'SMTP_ENABLE_STARTTLS',
  'SMTP_TLS',
  'SMTP_SSL',
  'SMTP_OPENSSL_VERIFY_MODE',
  'SMTP_CA_FILE',
  'S3_ENABLED',
  'S3_BUCKET',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'S3_REGION',
  'S3_ENDPOINT',
  'S3_OVERRIDE_PATH_STYLE',
  'S3_PROTOCOL',
  'S3_HOSTNAME',
  'S3_ALIAS_HOST',
  'S3_CLOUDFRONT_HOST',
  'S3_KEY_PREFIX',
  'S3_PERMISSION',
  'S3_STORAGE_CLASS',
  'S3_MULTIPART_THRESHOLD',
  'S3_OPEN_TIMEOUT',
  'S3_READ_TIMEOUT',
  'S3_RETRY_LIMIT',
  'S3_BATCH_DELETE_LIMIT',
  'S3_BATCH_DELETE_RETRY',
  'S3_ENABLE_CHECKSUM_MODE',
  'S3_SIGNATURE_VERSION',
  'S3_FORCE_SINGLE_REQUEST',
  'SWIFT_ENABLED',
  'FFMPEG_BINARY',
  'FFPROBE_BINARY',
  'MEDIA_CACHE_RETENTION_PERIOD',
  'CONTENT_CACHE_RETENTION_PERIOD',
  'MASTODON_PROMETHEUS_EXPORTER_ENABLED',
  'MASTODON_PROMETHEUS_EXPORTER_LOCAL',
  'MASTODON_PROMETHEUS_EXPORTER_HOST',
  'MASTODON_PROMETHEUS_EXPORTER_PORT',
  'MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS',
  'MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS',
  'STATSD_ADDR',
  'STATSD_NAMESPACE',
  'BACKUP_TO',
  'BACKUP_RECIPIENTS',
  'BACKUP_SCHEDULE',
  'BACKUP_KEEP',
  'BACKUP_WEBHOOK_URL',
  'BACKUP_DATABASE_URL',
  'BACKUP_MEDIA_TO',
  'BACKUP_S3_ENDPOINT',
  'BACKUP_S3_REGION',
  'BACKUP_S3_ACCESS_KEY_ID',
  'BACKUP_S3_SECRET_ACCESS_KEY',
  'SUBSPACE_DATA_DIR',
  'SUBSPACE_PGLITE_THREAD',
  'SUBSPACE_JOB_LOCK_SECONDS',
  'SUBSPACE_MEDIA_TRANSCODES',
  'SUBSPACE_DEEPL_BASE_URL',
  // read by `subspace import mastodon` alone: Mastodon's keys of its members' TOTP secrets
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
  'OTP_SECRET',
]);

/** Mastodon's variables (its .env.production.sample and initializers) that Subspace does not read. */
const MASTODON_UNSUPPORTED = new Set([
  'ALTERNATE_DOMAINS',
  'WHITELIST_MODE',
  'DISALLOW_UNAUTHENTICATED_API_ACCESS',
  'DISABLE_FOLLOWERS_SYNCHRONIZATION',
  'REPLICA_DATABASE_URL',
  'REPLICA_PREPARED_STATEMENTS',
  'REPLICA_DB_TASKS',
  'REDIS_SENTINELS',
  'REDIS_DRIVER',
  'REDIS_NAMESPACE',
  'CDN_HOST',
  'EXTRA_MEDIA_HOSTS',
  'PAPERCLIP_ROOT_PATH',
  'PAPERCLIP_ROOT_URL',
  'SMTP_REPLY_TO',
  'SMTP_RETURN_PATH',
  'SMTP_DOMAIN',
  'SMTP_DELIVERY_METHOD',
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'MIN_THREADS',
  'SOCKET',
  'RAILS_SERVE_STATIC_FILES',
  'RACK_COMPRESS',
  'MAX_SESSION_ACTIVATIONS',
  'DEFAULT_LOCALE',
  'FORCE_DEFAULT_LOCALE',
  'http_proxy',
  'http_hidden_proxy',
  'ALLOW_ACCESS_TO_HIDDEN_SERVICE',
  'MAX_REQUEST_POOL_SIZE',
  'OMNIAUTH_ONLY',
  'EXPERIMENTAL_FEATURES',
  'UPDATE_CHECK_URL',
  'SELF_DESTRUCT',
  'MASTODON_VERSION_METADATA',
  'MASTODON_VERSION_PRERELEASE',
]);

/** Families of Mastodon variables Subspace does not read (what is listed in SUBSPACE_VARIABLES is read). */
const MASTODON_UNSUPPORTED_PREFIXES = [
  'REPLICA_DB_',
  'REDIS_SENTINEL_',
  'SIDEKIQ_REDIS_SENTINEL',
  'CACHE_REDIS_SENTINEL',
  'ES_',
  'SWIFT_',
  'AZURE_',
  'BULK_SMTP_',
  'LDAP_',
  'PAM_',
  'CAS_',
  'SAML_',
  'OIDC_',
  'CACHE_BUSTER_',
  'OTEL_',
];

/** Variables that are Subspace's by their name, whatever follows. */
const OWN_PREFIXES = ['SUBSPACE_', 'MASTODON_PROMETHEUS_EXPORTER_'];

/** Names shorter than this are too common (PATH, HOME, TERM…) to be taken for a misspelling. */
const MIN_SUSPECT_LENGTH = 6;
const MAX_TYPO_DISTANCE = 2;

/** Levenshtein distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

function closestKnown(name: string): string | undefined {
  if (name.length < MIN_SUSPECT_LENGTH || !/^[A-Z][A-Z0-9_]*$/.test(name)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const known of SUBSPACE_VARIABLES) {
    const distance = editDistance(name, known, MAX_TYPO_DISTANCE);
    if (distance <= MAX_TYPO_DISTANCE && (!best || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

function isMastodonUnsupported(name: string): boolean {
  return MASTODON_UNSUPPORTED.has(name) || MASTODON_UNSUPPORTED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * One warning per variable of `env` that Subspace will not honour: a Mastodon variable it does not
 * support, or a name close to one it reads (a misspelling, which would otherwise be silently ignored).
 */
export function configWarnings(env: Env): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (env[name] === undefined || SUBSPACE_VARIABLES.has(name)) continue;
    if (isMastodonUnsupported(name)) {
      warnings.push(`${name} is a Mastodon setting Subspace does not support: it is ignored`);
      continue;
    }
    const suggestion = closestKnown(name);
    if (suggestion) warnings.push(`${name} is not a variable Subspace reads: did you mean ${suggestion}? It is ignored`);
    else if (OWN_PREFIXES.some((prefix) => name.startsWith(prefix))) warnings.push(`${name} is not a variable Subspace reads: it is ignored`);
  }
  return warnings;
}
