import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'subspace-storage-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadConfig({ SUBSPACE_DATA_DIR: dir, ...env }).storage;

function fails(env: Record<string, string>, variable: string, message?: RegExp) {
  assert.throws(
    () => load(env),
    (error: unknown) => error instanceof ConfigError && error.variable === variable && !error.message.includes('\n') && (!message || message.test(error.message)),
    `expected a ConfigError naming ${variable}`,
  );
}

describe('media storage configuration (Mastodon’s S3_* variables)', () => {
  it('keeps media in the data dir unless S3_ENABLED is true', () => {
    assert.deepEqual(load({}), { kind: 'local' });
    assert.deepEqual(load({ S3_ENABLED: 'false', S3_BUCKET: 'ignored' }), { kind: 'local' });
  });

  it('reads Mastodon’s defaults: us-east-1, https, public-read, 15 MB parts, 5 s timeouts, no retries', () => {
    assert.deepEqual(load({ S3_ENABLED: 'true', S3_BUCKET: 'files.example.com', AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret' }), {
      kind: 's3',
      bucket: 'files.example.com',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
      publicBaseUrl: 'https://s3-us-east-1.amazonaws.com/files.example.com',
      keyPrefix: undefined,
      acl: 'public-read',
      storageClass: undefined,
      multipartThreshold: 15 * 1024 * 1024,
      openTimeoutMs: 5000,
      readTimeoutMs: 5000,
      retryLimit: 0,
      checksumMode: false,
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
      batchDeleteLimit: 1000,
      batchDeleteRetry: 3,
    });
  });

  it('reads an S3-compatible setup: endpoint (path style unless overridden), alias host, and every tuning variable', () => {
    const config = load({
      S3_ENABLED: 'true',
      S3_BUCKET: 'media',
      S3_ENDPOINT: 'https://s3.eu-central-003.backblazeb2.com',
      S3_REGION: 'eu-central-003',
      S3_PROTOCOL: 'https',
      S3_ALIAS_HOST: 'files.example.com',
      S3_PERMISSION: 'private',
      S3_STORAGE_CLASS: 'STANDARD_IA',
      S3_MULTIPART_THRESHOLD: '52428800',
      S3_OPEN_TIMEOUT: '2',
      S3_READ_TIMEOUT: '30',
      S3_RETRY_LIMIT: '2',
      S3_KEY_PREFIX: 'mastodon/',
      S3_ENABLE_CHECKSUM_MODE: 'true',
      S3_FORCE_SINGLE_REQUEST: 'true',
      S3_SIGNATURE_VERSION: 'v4',
      S3_BATCH_DELETE_LIMIT: '500',
      S3_BATCH_DELETE_RETRY: '1',
    });
    assert.equal(config.kind, 's3');
    assert.deepEqual(
      { ...config, credentials: undefined },
      {
        kind: 's3',
        bucket: 'media',
        region: 'eu-central-003',
        endpoint: 'https://s3.eu-central-003.backblazeb2.com',
        forcePathStyle: true,
        publicBaseUrl: 'https://files.example.com',
        keyPrefix: 'mastodon',
        acl: 'private',
        storageClass: 'STANDARD_IA',
        multipartThreshold: 52_428_800,
        openTimeoutMs: 2000,
        readTimeoutMs: 30_000,
        retryLimit: 2,
        checksumMode: true,
        credentials: undefined,
        batchDeleteLimit: 500,
        batchDeleteRetry: 1,
      },
    );
    const virtualHosted = load({ S3_ENABLED: 'true', S3_BUCKET: 'media', S3_ENDPOINT: 'https://minio.example', S3_OVERRIDE_PATH_STYLE: 'true' });
    assert.equal(virtualHosted.kind === 's3' && virtualHosted.forcePathStyle, false);
    const noAcl = load({ S3_ENABLED: 'true', S3_BUCKET: 'media', S3_PERMISSION: '' });
    assert.equal(noAcl.kind === 's3' && noAcl.acl, undefined, 'an empty S3_PERMISSION sends no ACL');
  });

  it('stops at start with one line naming the variable when the S3 settings cannot work', () => {
    const s3 = { S3_ENABLED: 'true', S3_BUCKET: 'media' };
    fails({ S3_ENABLED: 'true' }, 'S3_BUCKET', /required when S3_ENABLED=true/);
    fails({ S3_ENABLED: 'maybe' }, 'S3_ENABLED');
    fails({ ...s3, S3_PROTOCOL: 'ftp' }, 'S3_PROTOCOL', /http or https/);
    fails({ ...s3, S3_ENDPOINT: 'minio.internal:9000' }, 'S3_ENDPOINT');
    fails({ ...s3, S3_ENDPOINT: 'ftp://minio.internal' }, 'S3_ENDPOINT');
    fails({ ...s3, S3_ALIAS_HOST: 'https://files.example.com' }, 'S3_ALIAS_HOST', /without a scheme/);
    fails({ ...s3, S3_ALIAS_HOST: 'files example com' }, 'S3_ALIAS_HOST');
    fails({ ...s3, S3_HOSTNAME: 's3.example.com/path' }, 'S3_HOSTNAME');
    fails({ ...s3, S3_PERMISSION: 'public' }, 'S3_PERMISSION', /canned ACL/);
    fails({ ...s3, S3_STORAGE_CLASS: 'cheap please' }, 'S3_STORAGE_CLASS');
    fails({ ...s3, S3_SIGNATURE_VERSION: 'v2' }, 'S3_SIGNATURE_VERSION', /only v4/);
    fails({ ...s3, AWS_ACCESS_KEY_ID: 'AKIA' }, 'AWS_SECRET_ACCESS_KEY');
    fails({ ...s3, AWS_SECRET_ACCESS_KEY: 'secret' }, 'AWS_ACCESS_KEY_ID');
    fails({ ...s3, S3_MULTIPART_THRESHOLD: '15MB' }, 'S3_MULTIPART_THRESHOLD');
    fails({ ...s3, S3_OPEN_TIMEOUT: '0' }, 'S3_OPEN_TIMEOUT');
    fails({ ...s3, S3_READ_TIMEOUT: 'never' }, 'S3_READ_TIMEOUT');
    fails({ ...s3, S3_BATCH_DELETE_LIMIT: '5000' }, 'S3_BATCH_DELETE_LIMIT');
    fails({ ...s3, S3_FORCE_SINGLE_REQUEST: 'sometimes' }, 'S3_FORCE_SINGLE_REQUEST');
    fails({ SWIFT_ENABLED: 'true' }, 'SWIFT_ENABLED', /S3 API/);
  });
});
