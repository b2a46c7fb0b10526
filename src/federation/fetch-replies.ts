import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { statuses } from '../db/schema.ts';
import { FetchReply } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { refreshRepliesCount } from '../services/statuses/post-status.ts';
import { withFederation } from './federation.ts';
import { fetchRemoteStatus } from './fetch-status.ts';
import { INSTANCE_ACTOR } from './paths.ts';
import { MAX_REPLIES } from './status-follow-ups.ts';
import { statusByUri } from './status-references.ts';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
const idOf = (value: unknown) => (typeof value === 'string' ? value : isRecord(value) && typeof value.id === 'string' ? value.id : null);
const hostOf = (uri: string) => (URL.canParse(uri) ? new URL(uri).host.toLowerCase() : null);
const isHttp = (uri: string) => /^https?:\/\//i.test(uri) && URL.canParse(uri);

/** Whether `statusId` is among the ancestors of `parentId` (or is it): linking it there would make a loop. */
async function isAncestorOf(ctx: AppContext, statusId: string, parentId: string): Promise<boolean> {
  const rows = await queryRows<{ found: number }>(
    ctx.db,
    sql`WITH RECURSIVE chain(id, in_reply_to_id, depth) AS (
          SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = ${parentId}
          UNION ALL
          SELECT s.id, s.in_reply_to_id, chain.depth + 1 FROM chain JOIN statuses s ON s.id = chain.in_reply_to_id WHERE chain.depth < 4096
        )
        SELECT 1 AS found FROM chain WHERE id = ${statusId} LIMIT 1`,
  );
  return rows.length > 0;
}

/**
 * ThreadResolveWorker: a reply arrived before the status it answers; that status is found here or
 * fetched from its server, and the reply is linked to it (and counted in its replies). A reply
 * already linked, or deleted, is left alone, and so is one whose parent turns out to answer it
 * (a loop a server could make up).
 */
export async function runThreadResolve(ctx: AppContext, data: { statusId: string; parentUri: string; requestId: string }): Promise<void> {
  const [child] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, data.statusId), isNull(statuses.deletedAt)))
    .limit(1);
  if (!child || child.inReplyToId || !isHttp(data.parentUri)) return;
  const parent = (await statusByUri(ctx, data.parentUri)) ?? (await withFederation(ctx, (fctx) => fetchRemoteStatus(fctx, new URL(data.parentUri), { requestId: data.requestId })));
  if (!parent || (await isAncestorOf(ctx, child.id, parent.id))) return;
  const linked = await ctx.db
    .update(statuses)
    .set({ inReplyToId: parent.id, inReplyToAccountId: parent.accountId })
    .where(and(eq(statuses.id, child.id), isNull(statuses.inReplyToId)))
    .returning({ id: statuses.id });
  if (linked.length) await refreshRepliesCount(ctx.db, parent.id);
}

/**
 * ActivityPub::FetchRepliesWorker: the `replies` collection of a remote status, fetched signed by
 * the instance actor, with its first page when that is only named; the replies it lists on the
 * author's server (never elsewhere, against amplification), five at most, are each fetched by a
 * FetchReply job.
 */
export async function runFetchReplies(ctx: AppContext, data: { statusId: string; collectionUri: string; requestId: string }): Promise<void> {
  const [status] = await ctx.db
    .select({ uri: statuses.uri })
    .from(statuses)
    .where(and(eq(statuses.id, data.statusId), isNull(statuses.deletedAt)))
    .limit(1);
  if (!status?.uri || !isHttp(data.collectionUri) || hostOf(data.collectionUri) !== hostOf(status.uri)) return;
  const host = hostOf(status.uri);
  const items = await withFederation(ctx, async (fctx) => {
    const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const load = async (uri: string) => (isHttp(uri) && hostOf(uri) === host ? ((await documentLoader(uri).catch(() => null))?.document ?? null) : null);
    let collection: unknown = await load(data.collectionUri);
    if (!isRecord(collection)) return [];
    // Mastodon reads the collection and its first page (max_pages: 1)
    const first = collection.first;
    if (first !== undefined && first !== null) collection = isRecord(first) ? first : typeof first === 'string' ? await load(first) : null;
    if (!isRecord(collection)) return [];
    return asArray(collection.orderedItems ?? collection.items);
  });
  const uris = [...new Set(items.map(idOf).filter((uri): uri is string => uri !== null && isHttp(uri) && hostOf(uri) === host))].slice(0, MAX_REPLIES);
  for (const uri of uris) await enqueue(ctx, FetchReply, { uri, requestId: data.requestId }, { uniqueKey: `fetch-reply:${uri}` });
}

/** FetchReplyWorker: one listed reply, fetched and stored like any fetched status. */
export async function runFetchReply(ctx: AppContext, data: { uri: string; requestId: string }): Promise<void> {
  if (!isHttp(data.uri)) return;
  await withFederation(ctx, (fctx) => fetchRemoteStatus(fctx, new URL(data.uri), { requestId: data.requestId }));
}
