import { and, eq, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { isRowId } from '../../lib/ids.ts';
import { adminActionLogs, type AdminActionLogRow } from '../../db/schema.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';

export type { AdminActionLogRow };

/** What a staff action did, for the audit log (Mastodon's Admin::ActionLog). */
export interface StaffAction {
  /** the staff member's account id (null for the CLI or the system) */
  accountId: string | null;
  /** a verb, as Mastodon's action names: `suspend`, `silence`, `create`, `destroy`, `resolve`, … */
  action: string;
  /** what it acted on: `Account`, `Report`, `DomainBlock`, `EmailDomainBlock`, `IpBlock`, … */
  targetType: string;
  /** the record's id, if it has one */
  targetId: string | null;
  /** one line for people: "Alice suspended @bob@example.com" */
  summary: string;
}

/**
 * Records a staff action in the audit log. Every admin API action calls it once it took effect;
 * `db` may be a transaction so that the row commits with the change it describes.
 */
export async function recordStaffAction(ctx: Pick<AppContext, 'db'>, action: StaffAction): Promise<AdminActionLogRow> {
  const [row] = await ctx.db
    .insert(adminActionLogs)
    .values({ accountId: action.accountId, action: action.action, targetType: action.targetType, targetId: action.targetId, summary: action.summary })
    .returning();
  return row!;
}

/** A page of the audit log, newest first, optionally for one staff member or one target. */
export async function listStaffActions(ctx: AppContext, page: Page, filter: { accountId?: string; targetType?: string; targetId?: string } = {}): Promise<AdminActionLogRow[]> {
  if ([filter.accountId, filter.targetId].some((id) => id !== undefined && !isRowId(id))) return [];
  const where: SQL[] = [pageCondition(adminActionLogs.id, page)];
  if (filter.accountId) where.push(eq(adminActionLogs.accountId, filter.accountId));
  if (filter.targetType) where.push(eq(adminActionLogs.targetType, filter.targetType));
  if (filter.targetId) where.push(eq(adminActionLogs.targetId, filter.targetId));
  const rows = await ctx.db
    .select()
    .from(adminActionLogs)
    .where(and(...where))
    .orderBy(pageOrder(adminActionLogs.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}
