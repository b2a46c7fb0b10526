import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accountWarnings, accounts, appeals } from '../../db/schema.ts';
import { PERMISSIONS } from '../../lib/user-roles.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { staffUsersWho } from '../../services/notifications/staff-notifications.ts';

/** AdminMailer#new_appeal: each staff member who may decide appeals learns of one, with where to decide it. */
export async function sendAppealMail(ctx: AppContext, data: { appealId: string }) {
  const [row] = await ctx.db
    .select({ appeal: appeals, strike: accountWarnings, account: accounts })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.accountWarningId))
    .innerJoin(accounts, eq(accounts.id, appeals.accountId))
    .where(eq(appeals.id, data.appealId))
    .limit(1);
  // decided or gone meanwhile: nothing to tell
  if (!row || row.appeal.approvedAt || row.appeal.rejectedAt) return;
  const { site_title } = await getSettings(ctx);
  const link = `${baseUrl(ctx.config)}/admin/accounts/${row.account.id}`;
  for (const staff of await staffUsersWho(ctx, PERMISSIONS.manageAppeals)) {
    await ctx.mailer.send({
      to: staff.email,
      subject: `${row.account.username} is appealing a moderation decision on ${site_title}`,
      text: `Hi ${staff.username},\n\n${row.account.username} is appealing a ${row.strike.action} decision of ${row.strike.createdAt.toISOString().slice(0, 10)}:\n\n${row.appeal.text}\n\nDecide on it at:\n\n${link}\n`,
    });
  }
}
