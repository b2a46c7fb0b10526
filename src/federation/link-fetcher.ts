import type { AppContext } from '../context.ts';
import type { LinkFetcher } from '../services/statuses/preview-cards/fetch-link-card.ts';
import { guardedFetch, OutboundRequestRefused, type OutboundPolicy } from '../lib/outbound-fetch.ts';
import { DownloadFailed, DownloadRefused, downloadRemoteFile } from '../lib/remote-file.ts';

/** Mastodon's Request follows three redirects. */
const MAX_HOPS = 3;
/** A page is read up to its first megabyte (Request#truncated_body), an oEmbed answer refused past one. */
const PAGE_BYTES = 1024 * 1024;
const DOCUMENT_BYTES = 1024 * 1024;
/** PreviewCard::LIMIT: a card's image is at most 2 MB. */
const IMAGE_BYTES = 2 * 1024 * 1024;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs `url` under `policy`, following at most three redirects by hand (each hop's address checked
 * by guardedFetch), all within one deadline of the policy's timeout. Answers the last response and its URL.
 */
async function get(policy: OutboundPolicy, url: string, headers: Record<string, string>): Promise<{ response: Response; url: string }> {
  const bounded = { ...policy, signal: policy.signal ? AbortSignal.any([policy.signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs) };
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    current.hash = '';
    const response = await guardedFetch(globalThis.fetch, bounded, current, { headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || !location) return { response, url: current.href };
    void response.body?.cancel();
    if (hop >= MAX_HOPS) throw new OutboundRequestRefused(`too many redirects fetching ${url}`);
    current = new URL(location, current);
  }
}

/** The first `limit` bytes of a body; the rest is not read. */
async function truncatedBody(response: Response, limit: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size >= limit) {
      void reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

const mimeType = (response: Response) => (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** The charset of a page: its Content-Type's, else a `<meta charset>` (or http-equiv) near its start, else UTF-8. */
function charsetOf(response: Response, bytes: Buffer): string {
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(response.headers.get('content-type') ?? '')?.[1];
  const sniffed = declared ?? /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(bytes.subarray(0, 1024).toString('latin1'))?.[1];
  return sniffed ?? 'utf-8';
}

function decode(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/**
 * What the link crawl fetches, under the instance's outbound guard: private addresses refused
 * unless ALLOWED_PRIVATE_ADDRESSES lists them, a deadline (the federation timeout, 30 s), three
 * redirects, a megabyte of page; the card's image (two megabytes at most) is downloaded as every
 * other remote file is (PreviewCard's `image_remote_url=`, Mastodon's Remotable).
 */
export function linkFetcher(ctx: Pick<AppContext, 'config'>, policy: OutboundPolicy): LinkFetcher {
  const userAgent = `${policy.userAgent ?? 'Subspace'} Bot`;
  return {
    async page(url) {
      const { response, url: finalUrl } = await get({ ...policy, maxBytes: Number.MAX_SAFE_INTEGER }, url, { accept: 'text/html', 'user-agent': userAgent });
      if (response.status !== 200 || mimeType(response) !== 'text/html') {
        void response.body?.cancel();
        return undefined;
      }
      const bytes = await truncatedBody(response, PAGE_BYTES);
      return { url: finalUrl, html: decode(bytes, charsetOf(response, bytes)) };
    },
    async document(url) {
      const { response } = await get({ ...policy, maxBytes: DOCUMENT_BYTES }, url, { 'user-agent': userAgent });
      if (response.status !== 200) {
        void response.body?.cancel();
        return undefined;
      }
      return await response.text();
    },
    async image(url) {
      try {
        return await downloadRemoteFile(ctx, url, IMAGE_BYTES);
      } catch (error) {
        if (error instanceof DownloadRefused || error instanceof DownloadFailed) return undefined;
        throw error;
      }
    },
  };
}
