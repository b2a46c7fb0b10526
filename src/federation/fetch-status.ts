import type { Context } from '@fedify/fedify';
import { Object as APObject } from '@fedify/vocab';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { createRemoteStatus } from '../services/activitypub/create-remote-status.ts';
import type { StatusRow } from '../services/statuses/post-status.ts';
import { withFederation } from './federation.ts';
import { parseStatusObject } from './inbound-status.ts';
import { INSTANCE_ACTOR } from './paths.ts';
import { remoteMediaOf } from './remote-media.ts';
import { resolveRemoteAccountByUri } from './resolve-account.ts';
import { followUpRemoteStatus, newRequestId } from './status-follow-ups.ts';
import { remoteStatusInput, statusByUri } from './status-references.ts';
import { federatesWithUrl } from '../services/moderation/instance-domain-blocks.ts';

/** Statuses one chain of fetches may discover (ActivityPub::FetchRemoteStatusService::DISCOVERIES_PER_REQUEST). */
export const DISCOVERIES_PER_REQUEST = 1000;
/** How long a chain's count is kept. */
const DISCOVERY_WINDOW_SECONDS = 5 * 60;

export interface FetchStatusOptions {
  /**
   * The chain of fetches this one belongs to (a thread's parents, a collection's replies and
   * theirs): once it has discovered DISCOVERIES_PER_REQUEST statuses, it fetches no more.
   */
  requestId?: string;
  /** the document already fetched from `uri` itself, so it is not fetched again */
  prefetched?: unknown;
}

/**
 * A status not known here, fetched from its URI (Mastodon's FetchRemoteStatusService, as for the
 * status a boost is of, a reply's parent, or a listed reply), signed by the instance actor: the
 * document must be the object with that id, attributed to an account on the same host, which is
 * resolved; it is then read and stored by the same rules as a delivered status, and what it
 * refers to (its parent, its replies) is fetched in turn in the `pull` queue. Anything else gives
 * undefined.
 */
export async function fetchRemoteStatus(fctx: Context<AppContext>, uri: URL, options: FetchStatusOptions = {}): Promise<StatusRow | undefined> {
  const ctx = fctx.data;
  if (uri.origin === new URL(baseUrl(ctx.config)).origin || (uri.protocol !== 'https:' && uri.protocol !== 'http:')) return undefined;
  const known = await statusByUri(ctx, uri.href);
  if (known) return known;
  if (!(await federatesWithUrl(ctx, uri))) return undefined; // a suspended (or, limited, not allowed) domain is not fetched from
  const requestId = options.requestId ?? newRequestId(uri.href);
  const discoveries = await ctx.cache.incr(`status_discovery_per_request:${requestId}`, DISCOVERY_WINDOW_SECONDS);
  if (discoveries > DISCOVERIES_PER_REQUEST) {
    ctx.log.info({ uri: uri.href, requestId }, 'not fetching a status: its chain of fetches discovered enough');
    return undefined;
  }
  const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const fetched = options.prefetched !== undefined ? { document: options.prefetched } : await documentLoader(uri.href).catch(() => null);
  if (!fetched) return undefined;
  const object = await APObject.fromJsonLd(fetched.document, { documentLoader, contextLoader: fctx.contextLoader }).catch(() => null);
  const authorId = object?.attributionId;
  if (!object || object.id?.href !== uri.href || !authorId || authorId.host !== uri.host) return undefined;
  const author = await resolveRemoteAccountByUri(ctx, authorId.href);
  if (!author || author.suspendedAt || author.uri !== authorId.href) return undefined;
  const parsed = await parseStatusObject(object, { actorId: authorId, followersId: author.followersUrl ? new URL(author.followersUrl) : null, raw: fetched.document });
  if (!parsed.ok) return undefined;
  const input = await remoteStatusInput(ctx, parsed.status, null);
  const created = await createRemoteStatus(ctx, author, { ...input, ...(await remoteMediaOf(ctx, author, parsed.status.attachments)) }, { fetched: true });
  if (created?.created) await followUpRemoteStatus(ctx, created.status, parsed.status, author.uri, requestId);
  return created?.status;
}

/**
 * The status a URL names, for `/api/v2/search?resolve=true` (ResolveURLService): known here, or
 * fetched from its server, also when the URL is the status's page (`url`) and the document it
 * serves is under its id on the same host (FetchResourceService's second fetch by id). Undefined
 * when the URL names no status, for the caller to try an account.
 */
export async function resolveRemoteStatusUrl(ctx: AppContext, url: string): Promise<StatusRow | undefined> {
  if (!URL.canParse(url)) return undefined;
  const uri = new URL(url);
  if (uri.protocol !== 'https:' && uri.protocol !== 'http:') return undefined;
  const known = await statusByUri(ctx, uri.href);
  if (known || uri.origin === new URL(baseUrl(ctx.config)).origin || !(await federatesWithUrl(ctx, uri))) return known;
  return withFederation(ctx, async (fctx) => {
    const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const fetched = await documentLoader(uri.href).catch(() => null);
    const document = fetched?.document as { id?: unknown; type?: unknown } | undefined;
    const id = typeof document?.id === 'string' && URL.canParse(document.id) ? new URL(document.id) : null;
    if (!id || id.host !== uri.host) return undefined;
    // the document under its own id is trusted as it is; one served at another address is fetched again by its id
    return id.href === uri.href ? fetchRemoteStatus(fctx, uri, { prefetched: document }) : fetchRemoteStatus(fctx, id);
  });
}
