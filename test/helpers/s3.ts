import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Storage } from '../../src/backends/storage/s3.ts';
import { storageFromEnv } from '../../src/config/storage.ts';

/**
 * S3 for tests: s3rver (a real S3 protocol server on the local disk, path-style, keys S3RVER/S3RVER).
 *
 * The whole suite runs with S3 storage when `SUBSPACE_TEST_S3_ENDPOINT` is set (CI's server pass:
 * `.ci/run` starts s3rver with test/setup/s3rver.sh); each test instance then gets a bucket of its
 * own, and `S3_ALIAS_HOST` makes the URLs it hands out point at that bucket on s3rver.
 */
export const s3Endpoint = process.env.SUBSPACE_TEST_S3_ENDPOINT?.replace(/\/+$/, '') || undefined;

/** The environment that puts an instance's media in `bucket` at `endpoint` (an s3rver), served from there. */
export function s3Env(endpoint: string, bucket: string, extra: Record<string, string> = {}): Record<string, string> {
  const { host } = new URL(endpoint);
  return {
    S3_ENABLED: 'true',
    S3_BUCKET: bucket,
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_PROTOCOL: 'http',
    S3_ALIAS_HOST: `${host}/${bucket}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    ...extra,
  };
}

/** A fresh bucket on `endpoint` (s3rver takes unsigned requests), with a name no other test uses. */
export async function createBucket(endpoint: string): Promise<string> {
  const bucket = `subspace-test-${randomBytes(6).toString('hex')}`;
  const response = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!response.ok) throw new Error(`could not create bucket ${bucket} at ${endpoint}: ${response.status} ${await response.text()}`);
  return bucket;
}

/** Empties and removes a bucket made by `createBucket`. */
export async function dropBucket(endpoint: string, bucket: string): Promise<void> {
  const config = storageFromEnv(s3Env(endpoint, bucket));
  if (config.kind !== 's3') throw new Error('not an S3 configuration');
  const storage = new S3Storage(config);
  try {
    const keys: string[] = [];
    for await (const file of storage.list()) keys.push(file.key);
    await storage.deleteMany(keys);
  } finally {
    await storage.close();
  }
  await fetch(`${endpoint}/${bucket}`, { method: 'DELETE' });
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** every request s3rver received, oldest first */
  requests: RecordedRequest[];
  /** answers the requests `fail` picks with a 500 InternalError before s3rver sees them */
  failWhen(fail: ((request: RecordedRequest) => boolean) | undefined): void;
  close(): Promise<void>;
}

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: Server;
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
}

interface KoaContext {
  req: IncomingMessage;
  status: number;
  type: string;
  body: unknown;
}

const require = createRequire(import.meta.url);

/** An s3rver in this process on a free port of 127.0.0.1, keeping its files in a temporary directory. */
export async function startS3rver(): Promise<S3rverHandle> {
  require('../setup/s3rver-patched.cjs');
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const requests: RecordedRequest[] = [];
  let fail: ((request: RecordedRequest) => boolean) | undefined;
  // Koa composes its middleware when it starts listening: this runs before s3rver's own
  server.middleware.unshift(async (ctx, next) => {
    const request = { method: ctx.req.method ?? '', url: ctx.req.url ?? '', headers: ctx.req.headers };
    requests.push(request);
    if (fail?.(request)) {
      ctx.status = 500;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>';
      return;
    }
    await next();
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failWhen(predicate) {
      fail = predicate;
    },
    async close() {
      server.httpServer.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
