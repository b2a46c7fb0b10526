import { AsyncLocalStorage } from 'node:async_hooks';
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { lazy } from './lazy.ts';

/** What federation may fetch: the private ranges it may still reach, and how long and how big a response may be. */
export interface OutboundPolicy {
  allowedPrivate: BlockList;
  timeoutMs: number;
  maxBytes: number;
  /** sent when the request has none (Fedify names itself on fetches, not on deliveries) */
  userAgent?: string;
  /** resolves a host name to its addresses (the system resolver; tests give their own) */
  resolve: (host: string) => Promise<LookupAddress[]>;
  /** connects only to allowed addresses, checked again when connecting (see connectLookup); made by the first request (undici is ~110 modules) */
  dispatcher: () => Promise<Dispatcher>;
  /** ends every request made under the policy early (a caller's deadline shorter than `timeoutMs`) */
  signal?: AbortSignal;
}

/** Mastodon's limits for fetching ActivityPub documents and delivering activities. */
export const OUTBOUND_TIMEOUT_MS = 30_000;
export const OUTBOUND_MAX_BYTES = 1024 * 1024;
/** The limits new policies get: Mastodon's, which tests may lower (a slow remote in 2 s, not 30) before booting an instance. */
export const outboundLimits = { timeoutMs: OUTBOUND_TIMEOUT_MS, maxBytes: OUTBOUND_MAX_BYTES };
const MAX_REDIRECTS = 5;

/** Refused before any byte was sent: a private address, a bad scheme, a redirect loop. */
export class OutboundRequestRefused extends Error {}
export class ResponseTooLarge extends Error {}

// Mastodon's PrivateAddressCheck: loopback, private, link-local, shared, documentation, multicast and reserved ranges.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 32],
  ['2001:10::', 28],
  ['2001:20::', 28],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

const systemResolve = (host: string) => lookup(host, { all: true, verbatim: true });

/** How long connecting may take, and how long a response may stay silent (its headers, then between chunks of its body). */
export interface ConnectionTimeouts {
  connectMs: number;
  readMs: number;
}

export function outboundPolicy(
  allowedPrivateAddresses: readonly string[],
  userAgent?: string,
  resolve: (host: string) => Promise<LookupAddress[]> = systemResolve,
  timeouts?: ConnectionTimeouts,
): OutboundPolicy {
  const allowedPrivate = new BlockList();
  for (const range of allowedPrivateAddresses) {
    const [address, prefix] = range.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) allowedPrivate.addAddress(address, type);
    else allowedPrivate.addSubnet(address, Number(prefix), type);
  }
  const lookup = connectLookup((address) => allowedUnder(allowedPrivate, address), resolve);
  const dispatcher = lazy(async () => {
    const { Agent } = await import('undici');
    return new Agent(timeouts ? { connect: { lookup, timeout: timeouts.connectMs }, headersTimeout: timeouts.readMs, bodyTimeout: timeouts.readMs } : { connect: { lookup } });
  });
  return { allowedPrivate, timeoutMs: outboundLimits.timeoutMs, maxBytes: outboundLimits.maxBytes, userAgent, resolve, dispatcher };
}

/**
 * The resolver the connection itself uses. The check before a request resolves the name once; a
 * name whose record changes in between (DNS rebinding) would otherwise connect to an address that
 * was never checked, so the addresses are checked again here, where the socket gets them.
 */
export function connectLookup(allowed: (address: string) => boolean, resolve: (host: string) => Promise<LookupAddress[]>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
        const refused = wanted.find((entry) => !allowed(entry.address));
        if (refused || wanted.length === 0) {
          const error = new OutboundRequestRefused(`refused to connect to ${hostname}: ${refused?.address ?? 'no address'} is a private or reserved address`);
          return callback(Object.assign(error, { code: 'ENOTFOUND' }), '', 0);
        }
        if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function addressType(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** Whether `address` (an IP literal) may be connected to under `policy`. */
export function isAddressAllowed(address: string, policy: OutboundPolicy): boolean {
  return allowedUnder(policy.allowedPrivate, address);
}

function allowedUnder(allowedPrivate: BlockList, address: string): boolean {
  const type = addressType(address);
  // BlockList matches IPv4-mapped IPv6 addresses against IPv4 rules, so ::ffff:10.0.0.1 is private too.
  return !NON_PUBLIC.check(address, type) || allowedPrivate.check(address, type);
}

async function assertAllowedUrl(url: URL, policy: OutboundPolicy): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRequestRefused(`refused to fetch ${url.protocol} URL ${url.href}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : (await policy.resolve(host)).map((entry) => entry.address);
  // Every address the name resolves to must be allowed: the connection may go to any of them.
  const refused = addresses.find((address) => !isAddressAllowed(address, policy));
  if (refused !== undefined || addresses.length === 0) {
    throw new OutboundRequestRefused(`refused to fetch ${url.href}: ${refused ?? 'no address'} is a private or reserved address`);
  }
}

/** The response with a body that fails once it grows past `maxBytes`; a larger Content-Length fails at once. */
function limitBody(response: Response, maxBytes: number): Response {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    void response.body?.cancel();
    throw new ResponseTooLarge(`response from ${response.url} is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return response;
  let received = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > maxBytes) controller.error(new ResponseTooLarge(`response from ${response.url} is larger than ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  const bounded = new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  // Fedify reads `url` to resolve relative links and redirects; a constructed Response has none.
  Object.defineProperty(bounded, 'url', { value: response.url });
  return bounded;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * fetch() under a policy: every hop's address is checked before connecting, redirects are followed
 * by hand (GET and HEAD only, at most five), the whole exchange has a deadline and the body a size cap.
 */
export async function guardedFetch(fetchImpl: typeof fetch, policy: OutboundPolicy, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  let request = new Request(input, init);
  if (policy.userAgent && !request.headers.has('user-agent')) request.headers.set('user-agent', policy.userAgent);
  const deadline = policy.signal ? AbortSignal.any([AbortSignal.timeout(policy.timeoutMs), policy.signal]) : AbortSignal.timeout(policy.timeoutMs);
  const follow = request.redirect === 'follow';
  const visited = new Set<string>();
  for (;;) {
    const url = new URL(request.url);
    await assertAllowedUrl(url, policy);
    visited.add(url.href);
    // `dispatcher` is undici's option, which Node's fetch takes: it makes the connection check its addresses again
    const response = await fetchImpl(request, { redirect: 'manual', signal: AbortSignal.any([request.signal, deadline]), dispatcher: await policy.dispatcher() } as RequestInit);
    const location = response.headers.get('location');
    if (follow && REDIRECT_STATUSES.has(response.status) && location && (request.method === 'GET' || request.method === 'HEAD')) {
      void response.body?.cancel();
      const next = new URL(location, url);
      if (visited.size > MAX_REDIRECTS || visited.has(next.href)) throw new OutboundRequestRefused(`too many redirects fetching ${input instanceof Request ? input.url : String(input)}`);
      request = new Request(next, request);
      continue;
    }
    return limitBody(response, policy.maxBytes);
  }
}

const policyScope = new AsyncLocalStorage<OutboundPolicy>();
let nativeFetch: typeof fetch | undefined;

/** fetch() as Node has it, never the wrapper withOutboundPolicy installs: for guardedFetch under a policy of its own. */
export function unwrappedFetch(): typeof fetch {
  return nativeFetch ?? globalThis.fetch;
}

/** Told of every response to a request made under observeResponses (its method, URL and status). */
export type ResponseObserver = (method: string, url: string, status: number) => void;
const responseObservers = new AsyncLocalStorage<ResponseObserver>();

/** Runs `fn`, telling `observer` of the responses to the requests it makes through the wrapped fetch (see withOutboundPolicy). */
export function observeResponses<T>(observer: ResponseObserver, fn: () => T): T {
  return responseObservers.run(observer, fn);
}

function observed(response: Promise<Response>, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Response> {
  const observer = responseObservers.getStore();
  if (!observer) return response;
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const url = input instanceof Request ? input.url : String(input);
  return response.then((answer) => {
    observer(method, url, answer.status);
    return answer;
  });
}

/**
 * Runs `fn` with every fetch() it makes — Fedify's document loaders, WebFinger lookups, deliveries —
 * going through guardedFetch under `policy`. Fedify calls the global fetch and offers no hook for
 * deliveries or WebFinger, so the global is wrapped once; outside such a scope it is untouched.
 */
export function withOutboundPolicy<T>(policy: OutboundPolicy, fn: () => T): T {
  if (!nativeFetch) {
    const original = globalThis.fetch;
    nativeFetch = original;
    globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const active = policyScope.getStore();
      return observed(active ? guardedFetch(original, active, input, init) : original(input, init), input, init);
    };
  }
  return policyScope.run(policy, fn);
}
