import type { Readable } from 'node:stream';
import type { ObjectCannedACL, S3Client, StorageClass } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/index.ts';
import { MEDIA_CACHE_CONTROL, StorageError, StorageUnavailableError, type ByteRange, type FileInfo, type PutOptions, type Storage, type StoredFile } from './index.ts';

type Sdk = typeof import('@aws-sdk/client-s3');

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** The SDK's error, as far as this driver looks at it. */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Files as objects of an S3-compatible bucket, configured as Mastodon is (`S3_*`). Objects carry their
 * Content-Type, Mastodon's Cache-Control and the `S3_PERMISSION` ACL; files from
 * `S3_MULTIPART_THRESHOLD` bytes on are uploaded in parts. Requests are bounded by `S3_OPEN_TIMEOUT`
 * and `S3_READ_TIMEOUT` and retried `S3_RETRY_LIMIT` times (none by default, as Mastodon).
 * The AWS SDK is loaded on the first request (it takes a second or more): processes that never touch
 * a file (streaming, most admin commands) never load it.
 */
export class S3Storage implements Storage {
  readonly kind = 's3';
  private readonly config: S3Config;
  private connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(config: S3Config) {
    this.config = config;
  }

  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: this.createClient(sdk) }));
    return this.connection;
  }

  private createClient(sdk: Sdk): S3Client {
    const config = this.config;
    return new sdk.S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: config.retryLimit + 1,
      // Otherwise the SDK adds checksums of its own to uploads, sending streamed bodies with
      // aws-chunked framing, which some S3-compatible servers store as part of the file.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: config.openTimeoutMs, socketTimeout: config.readTimeoutMs },
    });
  }

  private objectKey(key: string): string {
    return this.config.keyPrefix ? `${this.config.keyPrefix}/${key}` : key;
  }

  /** Runs one SDK call, turning its failure into a StorageError that names the operation and key. */
  private async call<T>(operation: string, key: string, run: (sdk: Sdk, client: S3Client) => Promise<T>): Promise<T> {
    try {
      const { sdk, client } = await this.connect();
      return await run(sdk, client);
    } catch (error) {
      throw storageError(operation, key, error);
    }
  }

  async ping(): Promise<void> {
    await this.call('HeadBucket', '', (sdk, client) => client.send(new sdk.HeadBucketCommand({ Bucket: this.config.bucket })));
  }

  private objectParams(key: string, contentType: string, options: PutOptions = {}) {
    return {
      Bucket: this.config.bucket,
      Key: this.objectKey(key),
      ContentType: contentType,
      CacheControl: MEDIA_CACHE_CONTROL,
      // a private file is private wherever ACLs are used at all (S3_PERMISSION not empty)
      ACL: (options.private && this.config.acl ? 'private' : this.config.acl) as ObjectCannedACL | undefined,
      StorageClass: this.config.storageClass as StorageClass | undefined,
    };
  }

  async put(key: string, bytes: Buffer, contentType: string, options: PutOptions = {}): Promise<void> {
    const params = this.objectParams(key, contentType, options);
    if (bytes.length >= this.config.multipartThreshold) return this.putInParts(key, params, bytes);
    await this.call('PutObject', key, (sdk, client) => client.send(new sdk.PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.length })));
  }

  /** A multipart upload (parts of at least 5 MiB, at most 10,000 of them), aborted when a part fails. */
  private async putInParts(key: string, params: ReturnType<S3Storage['objectParams']>, bytes: Buffer): Promise<void> {
    const { UploadId } = await this.call('CreateMultipartUpload', key, (sdk, client) => client.send(new sdk.CreateMultipartUploadCommand(params)));
    const upload = { Bucket: params.Bucket, Key: params.Key, UploadId };
    try {
      const partSize = Math.max(MIN_PART_SIZE, Math.ceil(bytes.length / MAX_PARTS));
      const parts: { ETag?: string; PartNumber: number }[] = [];
      for (let offset = 0; offset < bytes.length; offset += partSize) {
        const PartNumber = parts.length + 1;
        const Body = bytes.subarray(offset, offset + partSize);
        const { ETag } = await this.call('UploadPart', key, (sdk, client) => client.send(new sdk.UploadPartCommand({ ...upload, PartNumber, Body, ContentLength: Body.length })));
        parts.push({ ETag, PartNumber });
      }
      await this.call('CompleteMultipartUpload', key, (sdk, client) => client.send(new sdk.CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } })));
    } catch (error) {
      await this.call('AbortMultipartUpload', key, (sdk, client) => client.send(new sdk.AbortMultipartUploadCommand(upload))).catch(() => {});
      throw error;
    }
  }

  async head(key: string): Promise<FileInfo | undefined> {
    try {
      const { sdk, client } = await this.connect();
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError('HeadObject', key, error);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    try {
      const { sdk, client } = await this.connect();
      const object = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.config.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          // a range has no checksum of its own to check
          ChecksumMode: this.config.checksumMode && !range ? 'ENABLED' : undefined,
        }),
      );
      return object.Body as Readable;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageError('GetObject', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.call('DeleteObject', key, (sdk, client) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) })));
  }

  /** DeleteObjects, `S3_BATCH_DELETE_LIMIT` keys a request, each batch tried again `S3_BATCH_DELETE_RETRY` times for the keys it failed. */
  async deleteMany(keys: string[]): Promise<void> {
    const { batchDeleteLimit, batchDeleteRetry } = this.config;
    for (let start = 0; start < keys.length; start += batchDeleteLimit) {
      let pending = keys.slice(start, start + batchDeleteLimit);
      for (let attempt = 0; pending.length > 0; attempt++) {
        try {
          const { sdk, client } = await this.connect();
          const result = await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: pending.map((key) => ({ Key: this.objectKey(key) })), Quiet: true } }));
          const failed = new Set((result.Errors ?? []).map((error) => error.Key));
          pending = pending.filter((key) => failed.has(this.objectKey(key)));
          if (pending.length > 0 && attempt >= batchDeleteRetry) {
            throw new StorageError(`S3 DeleteObjects failed for ${pending.length} keys, such as ${pending[0]}: ${result.Errors?.[0]?.Code ?? 'unknown error'}`);
          }
        } catch (error) {
          if (error instanceof StorageError) throw error;
          if (attempt >= batchDeleteRetry) throw storageError('DeleteObjects', pending[0]!, error);
        }
      }
    }
  }

  async *list(prefix = ''): AsyncIterable<StoredFile> {
    const strip = this.config.keyPrefix ? this.config.keyPrefix.length + 1 : 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, (sdk, client) =>
        client.send(new sdk.ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.objectKey(prefix), ContinuationToken })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key.slice(strip), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), etag: object.ETag };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  url(key: string): string {
    return `${this.config.publicBaseUrl}/${this.objectKey(key).split('/').map(encodeURIComponent).join('/')}`;
  }

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    connection?.client.destroy();
  }
}

function isMissing(error: unknown): boolean {
  const { name, $metadata } = error as SdkError;
  return name === 'NoSuchKey' || (name === 'NotFound' && $metadata?.httpStatusCode === 404);
}

/** Unreachable, timed out or a server error (5xx): unavailable for now; anything else (no credentials, denied, no such bucket) a plain failure. */
function storageError(operation: string, key: string, error: unknown): StorageError {
  const { name, message, $metadata } = error as SdkError;
  const status = $metadata?.httpStatusCode;
  const text = `S3 ${operation} of ${key} failed: ${name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${message ?? String(error)}`;
  const unavailable = (status === undefined && name !== 'CredentialsProviderError') || (status !== undefined && status >= 500);
  return unavailable ? new StorageUnavailableError(text, { cause: error }) : new StorageError(text, { cause: error });
}
