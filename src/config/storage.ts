import { ConfigError } from './errors.ts';
import { bool, int, str, url, type Env } from './values.ts';

/** Where uploaded media go: the data dir (`local`) or an S3-compatible bucket (`S3_ENABLED=true`). */
export type StorageConfig = { kind: 'local' } | ({ kind: 's3' } & S3Config);

/** Mastodon's S3 settings (config/initializers/paperclip.rb), read from the same variables. */
export interface S3Config {
  bucket: string;
  region: string;
  /** `S3_ENDPOINT`: an S3-compatible server; absent for AWS itself */
  endpoint?: string;
  /** buckets addressed by path (`S3_ENDPOINT` set, unless `S3_OVERRIDE_PATH_STYLE=true`), else by host */
  forcePathStyle: boolean;
  /** what a file's public URL starts with: `S3_PROTOCOL://S3_ALIAS_HOST`, or `S3_PROTOCOL://S3_HOSTNAME/S3_BUCKET` */
  publicBaseUrl: string;
  /** `S3_KEY_PREFIX`: every object key starts with it (and a slash) */
  keyPrefix?: string;
  /** `S3_PERMISSION`, the canned ACL each object gets; undefined sends none (`S3_PERMISSION=` empty) */
  acl?: string;
  storageClass?: string;
  /** files of this many bytes or more are uploaded in parts */
  multipartThreshold: number;
  openTimeoutMs: number;
  /** how long a connection may stay silent while a request or its answer is under way */
  readTimeoutMs: number;
  /** retries after a failed request (Mastodon's `retry_limit`, 0 by default: a request fails fast) */
  retryLimit: number;
  /** `S3_ENABLE_CHECKSUM_MODE`: whole-file reads ask for and check the stored checksum */
  checksumMode: boolean;
  /** absent: the AWS SDK's own lookup (environment, shared files, instance role) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** keys per DeleteObjects request, and retries of a failed one (Mastodon's AttachmentBatch) */
  batchDeleteLimit: number;
  batchDeleteRetry: number;
}

const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control'];
const MEGABYTE = 1024 * 1024;

/** A host name with an optional port (and, for `S3_ALIAS_HOST`, a path), without a scheme. */
function host(env: Env, name: string, fallback: string | undefined, options: { path: boolean }): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new ConfigError(name, `must be a host name without a scheme (set S3_PROTOCOL for http or https), got "${raw}"`);
  const pattern = options.path ? /^[a-z0-9.-]+(:\d{1,5})?(\/[\w.~%!$&'()*+,;=:@/-]*)?$/i : /^[a-z0-9.-]+(:\d{1,5})?$/i;
  if (!pattern.test(raw)) throw new ConfigError(name, `must be a host name such as files.example.com${options.path ? ' (a path may follow)' : ''}, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function s3FromEnv(env: Env): S3Config {
  const bucket = str(env, 'S3_BUCKET');
  if (!bucket) throw new ConfigError('S3_BUCKET', 'is required when S3_ENABLED=true');
  const region = str(env, 'S3_REGION') ?? 'us-east-1';
  const protocol = (str(env, 'S3_PROTOCOL') ?? 'https').toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') throw new ConfigError('S3_PROTOCOL', `must be http or https, got "${protocol}"`);
  const endpoint = url(env, 'S3_ENDPOINT', ['http:', 'https:']);
  // Mastodon's default is AWS's host even with S3_ENDPOINT; the endpoint's own host is what such a server serves files at
  const hostname = host(env, 'S3_HOSTNAME', endpoint ? new URL(endpoint).host : `s3-${region}.amazonaws.com`, { path: false })!;
  const aliasHost = host(env, 'S3_ALIAS_HOST', undefined, { path: true }) ?? host(env, 'S3_CLOUDFRONT_HOST', undefined, { path: true });
  const keyPrefix = str(env, 'S3_KEY_PREFIX')?.replace(/^\/+|\/+$/g, '') || undefined;

  // S3_PERMISSION set but empty means no ACL at all (buckets with ACLs disabled refuse any)
  const permission = env.S3_PERMISSION === undefined ? 'public-read' : str(env, 'S3_PERMISSION');
  if (permission !== undefined && !CANNED_ACLS.includes(permission)) {
    throw new ConfigError('S3_PERMISSION', `must be a canned ACL (${CANNED_ACLS.join(', ')}) or empty for none, got "${permission}"`);
  }
  const storageClass = str(env, 'S3_STORAGE_CLASS');
  if (storageClass !== undefined && !/^[A-Z_]+$/.test(storageClass)) throw new ConfigError('S3_STORAGE_CLASS', `must be a storage class such as STANDARD_IA, got "${storageClass}"`);
  const signature = str(env, 'S3_SIGNATURE_VERSION') ?? 'v4';
  if (signature !== 'v4' && signature !== 's3v4') throw new ConfigError('S3_SIGNATURE_VERSION', `only v4 is supported, got "${signature}"`);
  // accepted for compatibility: Subspace always reads a file in one request
  bool(env, 'S3_FORCE_SINGLE_REQUEST', false);

  const accessKeyId = str(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId !== !secretAccessKey) {
    throw new ConfigError(accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID', 'must be set together with the other one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  const pathBase = `${protocol}://${hostname}/${encodeURIComponent(bucket)}`;
  return {
    bucket,
    region,
    endpoint,
    forcePathStyle: !!endpoint && !bool(env, 'S3_OVERRIDE_PATH_STYLE', false),
    publicBaseUrl: aliasHost ? `${protocol}://${aliasHost}` : pathBase,
    keyPrefix,
    acl: permission,
    storageClass,
    multipartThreshold: int(env, 'S3_MULTIPART_THRESHOLD', 15 * MEGABYTE, 1),
    openTimeoutMs: int(env, 'S3_OPEN_TIMEOUT', 5, 1, 3600) * 1000,
    readTimeoutMs: int(env, 'S3_READ_TIMEOUT', 5, 1, 3600) * 1000,
    retryLimit: int(env, 'S3_RETRY_LIMIT', 0, 0, 20),
    checksumMode: bool(env, 'S3_ENABLE_CHECKSUM_MODE', false),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    batchDeleteLimit: int(env, 'S3_BATCH_DELETE_LIMIT', 1000, 1, 1000),
    batchDeleteRetry: int(env, 'S3_BATCH_DELETE_RETRY', 3, 0, 20),
  };
}

export function storageFromEnv(env: Env): StorageConfig {
  if (bool(env, 'SWIFT_ENABLED', false)) throw new ConfigError('SWIFT_ENABLED', 'OpenStack Swift is not supported: use its S3 API with S3_ENABLED=true and S3_ENDPOINT');
  return bool(env, 'S3_ENABLED', false) ? { kind: 's3', ...s3FromEnv(env) } : { kind: 'local' };
}
