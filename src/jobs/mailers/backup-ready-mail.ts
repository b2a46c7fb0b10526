import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, backups, users } from '../../db/schema.ts';
import { getSettings } from '../../services/accounts/settings.ts';

/** UserMailer#backup_ready: the member's archive can be downloaded. */
export async function sendBackupReadyMail(ctx: AppContext, data: { backupId: string }) {
  const [row] = await ctx.db
    .select({ backup: backups, user: users, account: accounts })
    .from(backups)
    .innerJoin(users, eq(users.id, backups.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(backups.id, data.backupId))
    .limit(1);
  if (!row?.backup.processed) return;
  const { site_title } = await getSettings(ctx);
  const link = `${baseUrl(ctx.config)}/backups/${row.backup.id}/download`;
  await ctx.mailer.send({
    to: row.user.email,
    subject: 'Your archive is ready for download',
    text: `Hi @${row.account.username},\n\nYour ${site_title} data has been exported and is ready for download:\n\n${link}\n\nYou can download it from the export page for 7 days: ${baseUrl(ctx.config)}/settings/export\n`,
  });
}
