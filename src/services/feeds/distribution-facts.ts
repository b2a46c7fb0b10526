import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { preparedVariants } from '../../db/prepared.ts';
import { accounts, statuses, type StatusRow } from '../../db/schema.ts';

/**
 * What the Distribution job needs to know of a status, read in one statement when it starts: the
 * live row (not deleted, its author not suspended), its author's standing, its tags, whether its
 * fan-out is still pending (the outbox row its Create waits on), the local accounts it notifies,
 * and whether anyone could receive it through a list or a followed tag (most statuses: no one,
 * and those two audience queries, costly to plan, are then not made).
 */
export interface DistributionFacts {
  row: StatusRow;
  id: string;
  accountId: string;
  visibility: string;
  reblogOfId: string | null;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  local: boolean;
  silenced: boolean;
  tagNames: string[];
  /** its pending_distributions row is there: the fan-out (and the Create) has not been done */
  pending: boolean;
  /** the local accounts its mentions notify (not silent ones, not its author) */
  mentionedUsers: string[];
  /** its author is in a list */
  listed: boolean;
  /** one of its tags is followed */
  tagFollowed: boolean;
}

const factsQuery = preparedVariants('distribution_facts', (db) =>
  db
    .select({
      status: statuses,
      domain: accounts.domain,
      silenced: sql<boolean>`${accounts.silencedAt} IS NOT NULL`,
      tagNames: sql<string[]>`ARRAY(SELECT t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = ${statuses.id} ORDER BY t.id)`,
      pending: sql<boolean>`EXISTS (SELECT 1 FROM pending_distributions pd WHERE pd.status_id = ${statuses.id})`,
      mentionedUsers: sql<string[]>`ARRAY(SELECT m.account_id::text FROM mentions m JOIN users u ON u.account_id = m.account_id
        WHERE m.status_id = ${statuses.id} AND m.account_id <> ${statuses.accountId} AND NOT m.silent ORDER BY m.id)`,
      listed: sql<boolean>`EXISTS (SELECT 1 FROM list_accounts la WHERE la.account_id = ${statuses.accountId})`,
      tagFollowed: sql<boolean>`EXISTS (SELECT 1 FROM statuses_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id WHERE st.status_id = ${statuses.id})`,
    })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, sql.placeholder('id')), isNull(statuses.deletedAt), isNull(accounts.suspendedAt)))
    .limit(1),
);

/** The facts of a status to distribute; undefined when it is gone or its author suspended. */
export async function loadDistributionFacts(ctx: AppContext, statusId: string): Promise<DistributionFacts | undefined> {
  const [found] = await factsQuery(ctx.db, '').execute({ id: statusId });
  if (!found) return undefined;
  const { status } = found;
  return {
    row: status,
    id: status.id,
    accountId: status.accountId,
    visibility: status.visibility,
    reblogOfId: status.reblogOfId,
    inReplyToId: status.inReplyToId,
    inReplyToAccountId: status.inReplyToAccountId,
    local: found.domain === null,
    silenced: found.silenced,
    tagNames: found.tagNames ?? [],
    pending: found.pending,
    mentionedUsers: (found.mentionedUsers ?? []).map(String),
    listed: found.listed,
    tagFollowed: found.tagFollowed,
  };
}
