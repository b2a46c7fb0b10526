import type { Context } from '@fedify/fedify';
import { Object as APObject } from '@fedify/vocab';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { createRemoteStatus } from '../services/create-remote-status.ts';
import type { StatusRow } from '../services/post-status.ts';
import { parseStatusObject } from './inbound-status.ts';
import { INSTANCE_ACTOR } from './paths.ts';
import { resolveRemoteAccountByUri } from './resolve-account.ts';
import { remoteStatusInput, statusByUri } from './status-references.ts';

/**
 * A status not known here, fetched from its URI (Mastodon's FetchRemoteStatusService, as for the
 * status a boost is of), signed by the instance actor: the document must be the object with that
 * id, attributed to an account on the same host, which is resolved; it is then read and stored by
 * the same rules as a delivered status. Anything else gives undefined.
 */
export async function fetchRemoteStatus(fctx: Context<AppContext>, uri: URL): Promise<StatusRow | undefined> {
  if (uri.origin === new URL(baseUrl(fctx.data.config)).origin || (uri.protocol !== 'https:' && uri.protocol !== 'http:')) return undefined;
  const known = await statusByUri(fctx.data, uri.href);
  if (known) return known;
  const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const fetched = await documentLoader(uri.href).catch(() => null);
  if (!fetched) return undefined;
  const object = await APObject.fromJsonLd(fetched.document, { documentLoader, contextLoader: fctx.contextLoader }).catch(() => null);
  const authorId = object?.attributionId;
  if (!object || object.id?.href !== uri.href || !authorId || authorId.host !== uri.host) return undefined;
  const author = await resolveRemoteAccountByUri(fctx.data, authorId.href);
  if (!author || author.suspendedAt || author.uri !== authorId.href) return undefined;
  const parsed = await parseStatusObject(object, { actorId: authorId, followersId: author.followersUrl ? new URL(author.followersUrl) : null, raw: fetched.document });
  if (!parsed.ok) return undefined;
  const created = await createRemoteStatus(fctx.data, author, await remoteStatusInput(fctx.data, parsed.status, null), { fetched: true });
  return created?.status;
}
