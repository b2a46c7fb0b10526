import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { isRowId } from '../../lib/ids.ts';

import type { Relationship } from '../../serializers/relationship.ts';

export type { FollowOptions, Relationship } from '../../serializers/relationship.ts';

function emptyRelationship(targetAccountId: string): Relationship {
  return {
    targetAccountId,
    following: null,
    requested: null,
    followedBy: false,
    requestedBy: false,
    blocking: false,
    blockedBy: false,
    muting: null,
    domainBlocking: false,
    endorsed: false,
    note: null,
  };
}

/** The valid ids among `values`, in canonical form (no leading zeros), each once. */
function accountIds(values: unknown[]): string[] {
  return [...new Set(values.filter(isRowId).map((id) => BigInt(id).toString()))];
}

/** One fact per row: `flag` is show_reblogs for follows and hide_notifications for mutes; `detail` a note's text. */
type Row = { kind: string; target: string | number; flag: boolean | null; notify: boolean | null; languages: string[] | null; detail: string | null };

/**
 * The viewer's relationships to each target, in one round trip whatever the number of targets:
 * follows and follow requests both ways, blocks both ways, live mutes, domain blocks, endorsements
 * and the viewer's private note. Targets that do not exist still get an (empty) entry.
 */
export async function loadRelationships(ctx: AppContext, viewerId: string, targetIds: string[]): Promise<Map<string, Relationship>> {
  const ids = accountIds(targetIds);
  const result = new Map(ids.map((id) => [id, emptyRelationship(id)]));
  if (ids.length === 0) return result;
  const list = sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  const me = sql`${viewerId}::bigint`;
  const none = sql`NULL::boolean, NULL::boolean, NULL::text[], NULL::text`;
  const parts: SQL[] = [
    sql`SELECT 'following' AS kind, target_account_id AS target, show_reblogs AS flag, notify, languages, NULL::text AS detail FROM follows WHERE account_id = ${me} AND target_account_id IN (${list})`,
    sql`SELECT 'requested', target_account_id, show_reblogs, notify, languages, NULL::text FROM follow_requests WHERE account_id = ${me} AND target_account_id IN (${list})`,
    sql`SELECT 'followed_by', account_id, ${none} FROM follows WHERE target_account_id = ${me} AND account_id IN (${list})`,
    sql`SELECT 'requested_by', account_id, ${none} FROM follow_requests WHERE target_account_id = ${me} AND account_id IN (${list})`,
    sql`SELECT 'blocking', target_account_id, ${none} FROM blocks WHERE account_id = ${me} AND target_account_id IN (${list})`,
    sql`SELECT 'blocked_by', account_id, ${none} FROM blocks WHERE target_account_id = ${me} AND account_id IN (${list})`,
    sql`SELECT 'muting', target_account_id, hide_notifications, NULL::boolean, NULL::text[], NULL::text FROM mutes WHERE account_id = ${me} AND target_account_id IN (${list}) AND (expires_at IS NULL OR expires_at > now())`,
    sql`SELECT 'domain_blocking', a.id, ${none} FROM accounts a JOIN account_domain_blocks d ON d.account_id = ${me} AND lower(d.domain) = lower(a.domain) WHERE a.id IN (${list})`,
    sql`SELECT 'endorsed', target_account_id, ${none} FROM account_pins WHERE account_id = ${me} AND target_account_id IN (${list})`,
    sql`SELECT 'note', target_account_id, NULL::boolean, NULL::boolean, NULL::text[], comment FROM account_notes WHERE account_id = ${me} AND target_account_id IN (${list})`,
  ];
  const rows = await queryRows<Row>(ctx.db, sql.join(parts, sql` UNION ALL `));
  for (const row of rows) {
    const relationship = result.get(String(row.target));
    if (!relationship) continue;
    const follow = () => ({ showReblogs: row.flag ?? true, notify: row.notify ?? false, languages: row.languages ?? null });
    switch (row.kind) {
      case 'following':
        relationship.following = follow();
        break;
      case 'requested':
        relationship.requested = follow();
        break;
      case 'followed_by':
        relationship.followedBy = true;
        break;
      case 'requested_by':
        relationship.requestedBy = true;
        break;
      case 'blocking':
        relationship.blocking = true;
        break;
      case 'blocked_by':
        relationship.blockedBy = true;
        break;
      case 'muting':
        relationship.muting = { notifications: row.flag ?? true };
        break;
      case 'domain_blocking':
        relationship.domainBlocking = true;
        break;
      case 'endorsed':
        relationship.endorsed = true;
        break;
      case 'note':
        relationship.note = row.detail;
        break;
    }
  }
  return result;
}

/**
 * `GET /api/v1/accounts/relationships`: one relationship per requested account that exists, in the
 * order asked for, each once. Suspended accounts are left out unless `withSuspended`.
 */
export async function relationshipsWith(ctx: AppContext, viewerId: string, requestedIds: string[], options: { withSuspended?: boolean } = {}): Promise<Relationship[]> {
  const ids = accountIds(requestedIds);
  if (ids.length === 0) return [];
  const list = sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  const suspended = options.withSuspended ? sql`` : sql` AND suspended_at IS NULL`;
  const existing = await queryRows<{ id: string | number }>(ctx.db, sql`SELECT id FROM accounts WHERE id IN (${list})${suspended}`);
  const found = new Set(existing.map((row) => String(row.id)));
  const present = ids.filter((id) => found.has(id));
  const relationships = await loadRelationships(ctx, viewerId, present);
  return present.map((id) => relationships.get(id)!);
}
