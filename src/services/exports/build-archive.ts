import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import yazl from 'yazl';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { mediaAttachments, statuses, type AccountRow, type StatusRow } from '../../db/schema.ts';

type Json = Record<string, unknown>;

/** The ActivityPub documents of an archive, rendered by the federation code (the job hands it in). */
export interface ArchiveRenderer {
  /** each status's activity as served (with its `@context`): a Create, or for a boost an Announce */
  activities(author: AccountRow, rows: StatusRow[]): Promise<Json[]>;
  /** the account's actor document */
  actor(account: AccountRow): Promise<Json>;
}

const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
const BATCH = 500;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stored file's bytes, or undefined when it is gone (BackupService#download_to_zip logs and goes on). */
async function storedBytes(ctx: AppContext, key: string): Promise<Buffer | undefined> {
  try {
    const stream = await ctx.storage.get(key);
    return stream ? await readAll(stream) : undefined;
  } catch (error) {
    ctx.log.warn({ err: error, key }, 'could not put a file in an account archive');
    return undefined;
  }
}

const orderedCollection = (id: string, items: unknown[], context: unknown = AS_CONTEXT) => ({ '@context': context, id, type: 'OrderedCollection', totalItems: items.length, orderedItems: items });

/** Where an attachment is in the archive: its storage key (Mastodon: the URL's path after `/system/`). */
function archivePath(url: string, keysByUrl: Map<string, string>): string {
  const known = keysByUrl.get(url);
  if (known) return known;
  return URL.canParse(url) ? new URL(url).pathname.replace(/^.*\/system\//, '').replace(/^\/+/, '') : url;
}

/** The contexts of many documents as one, each term set once. */
function mergedContext(contexts: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const context of contexts) {
    for (const entry of Array.isArray(context) ? context : [context]) {
      if (entry !== undefined) seen.set(JSON.stringify(entry), entry);
    }
  }
  return [...seen.values()];
}

/** outbox.json's items: the member's statuses, oldest first, with attachment URLs made paths in the archive. */
async function outboxItems(ctx: AppContext, account: AccountRow, render: ArchiveRenderer, keysByUrl: Map<string, string>) {
  const items: Json[] = [];
  const contexts: unknown[] = [AS_CONTEXT];
  let after = '0';
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(statuses)
      .where(and(eq(statuses.accountId, account.id), isNull(statuses.deletedAt), isNotNull(statuses.uri), gt(statuses.id, after)))
      .orderBy(asc(statuses.id))
      .limit(BATCH);
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    for (const item of await render.activities(account, rows)) {
      contexts.push(item['@context']);
      delete item['@context'];
      const object = item.object as Json | undefined;
      if (item.type !== 'Announce' && object && typeof object === 'object') {
        const attachments = Array.isArray(object.attachment) ? object.attachment : object.attachment ? [object.attachment] : [];
        for (const attachment of attachments as Json[]) {
          if (typeof attachment.url === 'string') attachment.url = archivePath(attachment.url, keysByUrl);
        }
      }
      items.push(item);
    }
  }
  return { items, context: mergedContext(contexts) };
}

/** The URIs of the statuses the member favourited or bookmarked. */
async function markedUris(ctx: AppContext, table: 'favourites' | 'bookmarks', accountId: string): Promise<string[]> {
  const rows = await queryRows<{ uri: string }>(
    ctx.db,
    sql`SELECT s.uri FROM ${sql.raw(table)} m JOIN statuses s ON s.id = m.status_id WHERE m.account_id = ${accountId} AND s.uri IS NOT NULL AND s.deleted_at IS NULL ORDER BY m.id`,
  );
  return rows.map((row) => row.uri);
}

/**
 * BackupService#build_archive!: a zip holding `outbox.json` (the member's statuses as their
 * ActivityPub activities), the uploaded media of those statuses at their storage paths,
 * `likes.json` and `bookmarks.json` (the statuses' URIs), the avatar and header, and `actor.json`
 * (pointing at those files).
 */
export async function buildAccountArchive(ctx: AppContext, account: AccountRow, render: ArchiveRenderer): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const output = readAll(zip.outputStream as unknown as Readable);
  const mtime = new Date();
  const addJson = (name: string, document: unknown) => zip.addBuffer(Buffer.from(JSON.stringify(document)), name, { mtime });

  const media = await ctx.db
    .select({ key: mediaAttachments.fileKey })
    .from(mediaAttachments)
    .where(and(eq(mediaAttachments.accountId, account.id), isNotNull(mediaAttachments.statusId), isNotNull(mediaAttachments.fileKey), eq(mediaAttachments.remoteUrl, '')));
  const keysByUrl = new Map(media.map(({ key }) => [ctx.storage.url(key!), key!]));

  const outbox = await outboxItems(ctx, account, render, keysByUrl);
  addJson('outbox.json', { ...orderedCollection('outbox.json', outbox.items, outbox.context.length === 1 ? outbox.context[0] : outbox.context), totalItems: outbox.items.length });
  for (const { key } of media) {
    const bytes = await storedBytes(ctx, key!);
    if (bytes) zip.addBuffer(bytes, key!, { mtime, compress: false });
  }
  addJson('likes.json', orderedCollection('likes.json', await markedUris(ctx, 'favourites', account.id)));
  addJson('bookmarks.json', orderedCollection('bookmarks.json', await markedUris(ctx, 'bookmarks', account.id)));

  const actor = await render.actor(account);
  for (const [kind, property, key] of [
    ['avatar', 'icon', account.avatarFileKey],
    ['header', 'image', account.headerFileKey],
  ] as const) {
    if (!key) continue;
    const name = `${kind}${extname(key)}`;
    const image = actor[property] as Json | undefined;
    if (image && typeof image === 'object') image.url = name;
    const bytes = await storedBytes(ctx, key);
    if (bytes) zip.addBuffer(bytes, name, { mtime, compress: false });
  }
  addJson('actor.json', { ...actor, outbox: 'outbox.json', likes: 'likes.json', bookmarks: 'bookmarks.json' });
  zip.end();
  return output;
}
