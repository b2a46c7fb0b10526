import { verifyRequestDetailed, type Context, type KeyCache, type RequestContext } from '@fedify/fedify';
import { CryptographicKey } from '@fedify/vocab';
import type { FastifyRequest } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { accounts, follows, mentions } from '../db/schema.ts';
import type { AppContext } from '../context.ts';
import { federatesWithUrl, hostOf } from '../services/moderation/instance-domain-blocks.ts';
import { INSTANCE_ACTOR } from './paths.ts';

/**
 * Who may talk to this instance, as Mastodon's DomainControlHelper, SignatureVerification and
 * AuthorizedFetchHelper decide it:
 *
 * - an inbox POST whose signing key or actor is on a suspended domain (or, in limited federation
 *   mode, on one not allowed) is refused with 403 before its key is fetched, nothing stored;
 * - with AUTHORIZED_FETCH (implied by LIMITED_FEDERATION_MODE), ActivityPub GETs of actors,
 *   statuses and collections need an HTTP signature from an actor of a domain this instance
 *   federates with (401 otherwise, 403 for a domain it does not), except the instance actor and
 *   its collections, which must stay fetchable for others to check this instance's own
 *   signatures; the answers vary by `Signature`.
 */

/** The key ids a request's signatures name: draft-cavage `Signature: keyId="…"` and RFC 9421 `Signature-Input: …;keyid="…"`. */
export function signatureKeyIds(headers: Headers | Record<string, string | string[] | undefined>): string[] {
  const get = (name: string): string => {
    if (headers instanceof Headers) return headers.get(name) ?? '';
    const value = headers[name];
    return Array.isArray(value) ? value.join(',') : (value ?? '');
  };
  const ids: string[] = [];
  for (const match of get('signature').matchAll(/keyId="([^"]*)"/gi)) ids.push(match[1]!);
  for (const match of get('signature-input').matchAll(/keyid="([^"]*)"/gi)) ids.push(match[1]!);
  return ids;
}

/** A key id's domain: a URL's host, or the domain of an `acct:user@domain` key id. */
function keyIdAllowed(ctx: AppContext, keyId: string): Promise<boolean> {
  if (keyId.startsWith('acct:')) {
    const domain = keyId.slice(keyId.lastIndexOf('@') + 1);
    return federatesWithUrl(ctx, `https://${domain}/`);
  }
  return federatesWithUrl(ctx, keyId);
}

function actorIdsOf(body: unknown): string[] {
  if (!Buffer.isBuffer(body)) return [];
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const actor = (json as { actor?: unknown } | null)?.actor;
  return (Array.isArray(actor) ? actor : [actor]).map((item) => (typeof item === 'string' ? item : (item as { id?: unknown } | null)?.id)).filter((id): id is string => typeof id === 'string');
}

/** Whether an inbox POST may be taken: its signers' and actors' domains are all ones this instance federates with. */
export async function inboundAllowed(ctx: AppContext, request: FastifyRequest): Promise<boolean> {
  for (const keyId of signatureKeyIds(request.headers)) if (!(await keyIdAllowed(ctx, keyId))) return false;
  for (const actorId of actorIdsOf(request.body)) if (!(await federatesWithUrl(ctx, actorId))) return false;
  return true;
}

/** Why a GET was refused, for the 401/403 answer (keyed by the request Fedify hands to onUnauthorized). */
const refusals = new WeakMap<Request, { status: number; error: string }>();

function refuse(request: Request, status: number, error: string): false {
  refusals.set(request, { status, error });
  return false;
}

/**
 * Fedify's `.authorize()` predicate for every ActivityPub GET: true when authorized fetch is off;
 * otherwise the request must carry a signature, verified (the key fetched signed by the instance
 * actor, so a remote in authorized fetch mode answers too), by a key of a domain this instance
 * federates with (Mastodon's `require_account_signature!`).
 */
export async function authorizedFetch(fctx: RequestContext<AppContext>): Promise<boolean> {
  const ctx = fctx.data;
  if (!ctx.config.authorizedFetch) return true;
  const keyIds = signatureKeyIds(fctx.request.headers);
  if (keyIds.length === 0) return refuse(fctx.request, 401, 'Request not signed');
  for (const keyId of keyIds) if (!(await keyIdAllowed(ctx, keyId))) return refuse(fctx.request, 403, 'Domain not allowed');
  const key = await verifiedKey(fctx);
  if (!key?.id) return refuse(fctx.request, 401, `Verification failed for key ${keyIds[0]}`);
  if (!(await federatesWithUrl(ctx, key.ownerId ?? key.id))) return refuse(fctx.request, 403, 'Domain not allowed');
  return true;
}

const KEY_CACHE_PREFIX = 'signing_key:';
const KEY_TTL_SECONDS = 3600;
const UNAVAILABLE_KEY_TTL_SECONDS = 60;

/**
 * Signers' public keys, kept in the cache for an hour (a failed fetch for a minute), so a signed
 * GET does not cost a fetch of its signer's key every time; Fedify fetches the key again when a
 * cached one does not verify (a rotated key).
 */
function keyCacheOf(ctx: AppContext): KeyCache {
  return {
    async get(keyId) {
      const cached = await ctx.cache.get(KEY_CACHE_PREFIX + keyId.href);
      if (cached === null) return undefined;
      if (cached === 'null') return null;
      return CryptographicKey.fromJsonLd(JSON.parse(cached)).catch(() => undefined);
    },
    async set(keyId, key) {
      if (key === null) return ctx.cache.set(KEY_CACHE_PREFIX + keyId.href, 'null', UNAVAILABLE_KEY_TTL_SECONDS);
      if (!(key instanceof CryptographicKey)) return;
      await ctx.cache.set(KEY_CACHE_PREFIX + keyId.href, JSON.stringify(await key.toJsonLd()), KEY_TTL_SECONDS);
    },
  };
}

const verifiedKeys = new WeakMap<Request, Promise<CryptographicKey | null>>();

/** The request's verified signing key (fetched signed by the instance actor, so a remote in authorized fetch mode answers), once per request. */
function verifiedKey(fctx: RequestContext<AppContext>): Promise<CryptographicKey | null> {
  let found = verifiedKeys.get(fctx.request);
  if (!found) {
    found = (async () => {
      const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
      const result = await verifyRequestDetailed(fctx.request, { documentLoader, contextLoader: fctx.contextLoader, keyCache: keyCacheOf(fctx.data) });
      if (result.verified) return result.key;
      fctx.data.log.debug({ url: fctx.request.url, reason: result.reason.type }, 'a signed fetch did not verify');
      return null;
    })().catch(() => null);
    verifiedKeys.set(fctx.request, found);
  }
  return found;
}

/**
 * The key id an inbox POST's HTTP signature fails with, or undefined when it verifies (the key
 * fetched signed by the instance actor, as for signed fetches). Fedify checks the HTTP signature only
 * when the activity has no author's signature or proof that verifies; Mastodon checks it always (a
 * forwarded activity is HTTP-signed by the server forwarding it), so every inbox POST is checked here.
 */
export async function failedHttpSignature(fctx: Context<AppContext>, request: Request): Promise<string | undefined> {
  const keyId = signatureKeyIds(request.headers)[0] ?? '';
  try {
    const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const result = await verifyRequestDetailed(request, { documentLoader, contextLoader: fctx.contextLoader, keyCache: keyCacheOf(fctx.data) });
    if (result.verified) return undefined;
    fctx.data.log.debug({ keyId, reason: result.reason.type }, 'the HTTP signature of an inbox POST did not verify');
  } catch (error) {
    fctx.data.log.debug({ keyId, err: error }, 'the HTTP signature of an inbox POST could not be checked');
  }
  return keyId;
}

/** The predicate for what is served per actor: the instance actor's documents are always served. */
export function authorizeActorFetch(fctx: RequestContext<AppContext>, identifier: string): Promise<boolean> | boolean {
  return identifier === INSTANCE_ACTOR ? true : authorizedFetch(fctx);
}

/** The predicate for statuses and their collections. */
export function authorizeObjectFetch(fctx: RequestContext<AppContext>): Promise<boolean> {
  return authorizedFetch(fctx);
}

/** The signer's actor URI of a verified signed GET (for followers-only statuses), or null. */
export async function signedFetcher(fctx: RequestContext<AppContext>): Promise<string | null> {
  if (signatureKeyIds(fctx.request.headers).length === 0) return null;
  const key = await verifiedKey(fctx);
  const owner = key?.ownerId?.href ?? null;
  return owner && hostOf(owner) === hostOf(key?.id) ? owner : null;
}

/** Fedify's onUnauthorized: Mastodon's JSON answer, 401 (or 403 for a domain not federated with), varying by signature. */
export function unauthorizedResponse(request: Request): Response {
  const refusal = refusals.get(request) ?? { status: 401, error: 'Request not signed' };
  return new Response(JSON.stringify({ error: refusal.error }), {
    status: refusal.status,
    headers: { 'content-type': 'application/json; charset=utf-8', vary: 'Accept, Signature' },
  });
}

/** Adds `Signature` to a federation GET answer's `Vary` when authorized fetch is on (AuthorizedFetchHelper). */
export function withAuthorizedFetchHeaders(ctx: AppContext, response: Response): Response {
  if (!ctx.config.authorizedFetch) return response;
  const vary = response.headers.get('vary');
  const names = (vary ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!names.some((name) => name.toLowerCase() === 'signature')) {
    try {
      response.headers.set('vary', [...names, 'Signature'].join(', '));
    } catch {
      // immutable headers (a fetched response): left as they are
    }
  }
  return response;
}

/**
 * Whether a local status may be served to this request (Mastodon's StatusPolicy#show? for the
 * signed request's account): public and unlisted ones to anyone; a followers-only one to a
 * verified signer who follows its author, or whom it mentions; a direct one to a signer it mentions.
 */
export async function statusServedTo(fctx: RequestContext<AppContext>, status: { id: string; accountId: string; visibility: string }): Promise<boolean> {
  if (status.visibility === 'public' || status.visibility === 'unlisted') return true;
  if (status.visibility !== 'private' && status.visibility !== 'direct' && status.visibility !== 'limited') return false;
  const signer = await signedFetcher(fctx);
  if (!signer || !(await federatesWithUrl(fctx.data, signer))) return false;
  const db = fctx.data.db;
  const [viewer] = await db.select({ id: accounts.id, suspendedAt: accounts.suspendedAt }).from(accounts).where(eq(accounts.uri, signer)).limit(1);
  if (!viewer || viewer.suspendedAt) return false;
  const [mention] = await db
    .select({ id: mentions.id })
    .from(mentions)
    .where(and(eq(mentions.statusId, status.id), eq(mentions.accountId, viewer.id)))
    .limit(1);
  if (mention) return true;
  if (status.visibility !== 'private') return false;
  const [follow] = await db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.accountId, viewer.id), eq(follows.targetAccountId, status.accountId)))
    .limit(1);
  return !!follow;
}
