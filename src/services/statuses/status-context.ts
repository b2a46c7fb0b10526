import { inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from './post-status.ts';
import { notHiddenFrom, visibleTo } from './visibility.ts';
import { isRowId } from '../../lib/ids.ts';

/** Mastodon's thread limits (Api::V1::StatusesController): signed-in viewers get up to CONTEXT_LIMIT each way. */
export const CONTEXT_LIMIT = 4096;
export const ANCESTORS_LIMIT = 40;
export const DESCENDANTS_LIMIT = 60;
export const DESCENDANTS_DEPTH_LIMIT = 20;

async function visibleInOrder(ctx: AppContext, ids: string[], viewerId: string | null): Promise<StatusRow[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(statuses)
    .where(sql`${inArray(statuses.id, ids)} AND ${visibleTo(viewerId)} AND ${notHiddenFrom(viewerId)}`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id)).filter((row): row is StatusRow => !!row);
}

/**
 * A status' thread as the viewer may see it (Status#ancestors/#descendants with StatusFilter):
 * ancestors oldest first, descendants depth first (each branch in id order), leaving out what the
 * viewer may not see or chose to hide (blocked, muted, domain-blocked authors).
 */
export async function statusContext(ctx: AppContext, status: StatusRow, viewerId: string | null) {
  const signedIn = !!viewerId;
  const ancestorsLimit = signedIn ? CONTEXT_LIMIT : ANCESTORS_LIMIT;
  const descendantsLimit = signedIn ? CONTEXT_LIMIT : DESCENDANTS_LIMIT;
  const depthLimit = signedIn ? null : DESCENDANTS_DEPTH_LIMIT;

  const ancestorRows = status.inReplyToId
    ? await queryRows<{ id: string | number; depth: number }>(
        ctx.db,
        sql`WITH RECURSIVE chain(id, in_reply_to_id, depth) AS (
              SELECT id, in_reply_to_id, 1 FROM statuses WHERE id = ${status.inReplyToId}
              UNION ALL
              SELECT s.id, s.in_reply_to_id, chain.depth + 1 FROM chain JOIN statuses s ON s.id = chain.in_reply_to_id
              WHERE chain.depth < ${ancestorsLimit}
            )
            SELECT id::text AS id, depth FROM chain ORDER BY depth DESC`,
      )
    : [];

  const descendantRows = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`WITH RECURSIVE tree(id, path) AS (
          SELECT id, ARRAY[id] FROM statuses WHERE in_reply_to_id = ${status.id} AND id <> ${status.id} AND deleted_at IS NULL
          UNION ALL
          SELECT s.id, tree.path || s.id FROM tree JOIN statuses s ON s.in_reply_to_id = tree.id
          WHERE s.deleted_at IS NULL AND NOT s.id = ANY(tree.path)
            ${depthLimit ? sql`AND array_length(tree.path, 1) < ${depthLimit}` : sql``}
        )
        SELECT id::text AS id FROM tree ORDER BY path LIMIT ${descendantsLimit * 2}`,
  );

  const ancestors = await visibleInOrder(
    ctx,
    ancestorRows.map((r) => String(r.id)),
    viewerId,
  );
  const descendants = (
    await visibleInOrder(
      ctx,
      descendantRows.map((r) => String(r.id)),
      viewerId,
    )
  ).slice(0, descendantsLimit);
  return { ancestors, descendants };
}

/** The statuses with these ids the viewer may see, in the order asked (`GET /api/v1/statuses?id[]=`). */
export async function visibleStatusesById(ctx: AppContext, ids: string[], viewerId: string | null): Promise<StatusRow[]> {
  const valid = [...new Set(ids.filter((id) => isRowId(id)))];
  if (valid.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(statuses)
    .where(sql`${inArray(statuses.id, valid)} AND ${visibleTo(viewerId)}`);
  // a reblog is shown only if its original is visible too
  const originalIds = [...new Set(rows.map((r) => r.reblogOfId).filter((id): id is string => !!id))];
  const visibleOriginals = originalIds.length
    ? new Set(
        (
          await ctx.db
            .select({ id: statuses.id })
            .from(statuses)
            .where(sql`${inArray(statuses.id, originalIds)} AND ${visibleTo(viewerId)}`)
        ).map((r) => r.id),
      )
    : new Set<string>();
  const byId = new Map(rows.filter((r) => !r.reblogOfId || visibleOriginals.has(r.reblogOfId)).map((r) => [r.id, r]));
  return valid.map((id) => byId.get(id)).filter((row): row is StatusRow => !!row);
}
