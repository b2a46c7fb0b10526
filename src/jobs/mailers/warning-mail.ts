import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accountWarnings, accounts, users } from '../../db/schema.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';

/** Mastodon's subjects of the warning mail (user_mailer.warning.subject), by the strike's action. */
const SUBJECTS: Record<string, (acct: string) => string> = {
  none: (acct) => `Your account ${acct} has received a moderation warning`,
  disable: (acct) => `Your account ${acct} has been frozen`,
  mark_statuses_as_sensitive: (acct) => `Your posts on ${acct} have been marked as sensitive`,
  delete_statuses: (acct) => `Your posts on ${acct} have been removed`,
  sensitive: (acct) => `Your account ${acct} posting media has been marked as sensitive`,
  silence: (acct) => `Your account ${acct} has been limited`,
  suspend: (acct) => `Your account ${acct} has been suspended`,
};

/** UserMailer#warning: what staff did and wrote, and where to appeal it. */
export async function sendWarningMail(ctx: AppContext, data: { accountWarningId: string }) {
  const [row] = await ctx.db
    .select({ strike: accountWarnings, user: users, account: accounts })
    .from(accountWarnings)
    .innerJoin(accounts, eq(accounts.id, accountWarnings.targetAccountId))
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(eq(accountWarnings.id, data.accountWarningId))
    .limit(1);
  if (!row) return;
  const { site_title } = await getSettings(ctx);
  const acct = `@${row.account.username}@${ctx.config.localDomain}`;
  const subject = (SUBJECTS[row.strike.action] ?? SUBJECTS.none!)(acct);
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: row.user.email,
      subject,
      heading: subject,
      paragraphs: [`Hi @${row.account.username},`, ...(row.strike.text ? [`The moderators of ${site_title} wrote:`] : [])],
      quote: row.strike.text || undefined,
      action: { label: 'Read it and appeal within 20 days', url: `${baseUrl(ctx.config)}/disputes/strikes/${row.strike.id}` },
    }),
  );
}
