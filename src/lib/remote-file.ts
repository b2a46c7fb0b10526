import { baseUrl, type Config } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { SUBSPACE_VERSION } from './instance-limits.ts';
import { guardedFetch, OutboundRequestRefused, outboundPolicy, ResponseTooLarge, unwrappedFetch, type OutboundPolicy } from './outbound-fetch.ts';

/**
 * Mastodon's Request timeouts, which its media downloads run under: 5 s to connect, 10 s of silence
 * at most (before the headers, then between chunks of the body), 30 s for the whole answer.
 */
export const remoteFileLimits = { connectMs: 5_000, readMs: 10_000, deadlineMs: 30_000 };

/**
 * A large file gets longer than 30 s, as long as it comes at least this fast on average (4 Mbit/s:
 * 99 MB in about 200 s); never longer than `maxDeadlineMs`, so that a slow server cannot hold a
 * pull worker for ever.
 */
export const largeFileLimits = { minBytesPerSecond: 512 * 1024, maxDeadlineMs: 5 * 60_000 };

/** The time a download of at most `maxBytes` may take in all. */
export function downloadDeadlineMs(maxBytes: number): number {
  const scaled = Math.ceil((maxBytes / largeFileLimits.minBytesPerSecond) * 1000);
  return Math.min(largeFileLimits.maxDeadlineMs, Math.max(remoteFileLimits.deadlineMs, scaled));
}

/** A file that will not be had from this URL, however often asked: retrying cannot help (a refused address, a 404, too large). */
export class DownloadRefused extends Error {}
/** A download that failed this time (a timeout, a broken connection, a 5xx or 429): it may work later. */
export class DownloadFailed extends Error {}

const policies = new WeakMap<Config, OutboundPolicy>();

/** The outbound policy of file downloads and other plain requests (Web Push): federation's private-address rules, with Mastodon's Request timeouts. */
export function plainRequestPolicy(config: Config): OutboundPolicy {
  let policy = policies.get(config);
  if (!policy) {
    const userAgent = `Subspace/${SUBSPACE_VERSION} (+${baseUrl(config)}/)`;
    policy = { ...outboundPolicy(config.allowedPrivateAddresses, userAgent, undefined, remoteFileLimits), timeoutMs: remoteFileLimits.deadlineMs };
    policies.set(config, policy);
  }
  return policy;
}

/** The answers worth asking again (Mastodon's response_error_unsalvageable? gives up on every other 4xx, and on 501). */
export const retryable = (status: number) => (status >= 500 && status !== 501) || [401, 408, 429].includes(status);

function refusedCause(error: unknown): Error | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof OutboundRequestRefused || cause instanceof ResponseTooLarge) return cause;
  }
  return undefined;
}

/**
 * A remote file's bytes, fetched as Mastodon's Remotable#download_file! fetches one: http(s) only,
 * never from a private or reserved address (ALLOWED_PRIVATE_ADDRESSES aside, checked again at each
 * redirect and connection), at most `maxBytes`, within the time limits above (the whole download's
 * scaled to `maxBytes`), unsigned. What it
 * is gets decided from the bytes by the caller, never from the Content-Type.
 */
export async function downloadRemoteFile(ctx: Pick<AppContext, 'config'>, url: string, maxBytes: number): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DownloadRefused(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new DownloadRefused(`refused to fetch ${parsed.protocol} URL ${url}`);
  const policy = { ...plainRequestPolicy(ctx.config), maxBytes, timeoutMs: downloadDeadlineMs(maxBytes) };
  try {
    const response = await guardedFetch(unwrappedFetch(), policy, parsed, { headers: { accept: '*/*' } });
    if (response.status < 200 || response.status >= 300) {
      void response.body?.cancel();
      const message = `${url} answered ${response.status}`;
      throw retryable(response.status) ? new DownloadFailed(message) : new DownloadRefused(message);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length === 0) throw new DownloadRefused(`${url} is empty`);
    return bytes;
  } catch (error) {
    if (error instanceof DownloadRefused || error instanceof DownloadFailed) throw error;
    const refused = refusedCause(error);
    if (refused) throw new DownloadRefused(refused.message, { cause: error });
    throw new DownloadFailed(`could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
