import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, reports } from '../../db/schema.ts';
import { notificationEmailSettings } from '../../services/accounts/notification-emails.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';
import { acctOf, mailRecipient } from './recipients.ts';

/** AdminMailer#new_report: who reported whom, and the link to the report. */
export async function sendNewReportMail(ctx: AppContext, data: { recipientUserId: string; reportId: string }) {
  const recipient = await mailRecipient(ctx, data.recipientUserId);
  const [report] = await ctx.db.select().from(reports).where(eq(reports.id, data.reportId)).limit(1);
  if (!recipient || !report || !notificationEmailSettings(recipient.user.settings).emails.report) return;
  const [reporter] = await ctx.db.select().from(accounts).where(eq(accounts.id, report.accountId)).limit(1);
  const [target] = await ctx.db.select().from(accounts).where(eq(accounts.id, report.targetAccountId)).limit(1);
  if (!reporter || !target) return;
  const instance = ctx.config.localDomain;
  // body / body_remote of admin_mailer.new_report
  const says = reporter.domain ? `Someone from ${reporter.domain} has reported ${acctOf(target)}` : `${acctOf(reporter)} has reported ${acctOf(target)}`;
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: recipient.user.email,
      subject: `New report for ${instance} (#${report.id})`,
      heading: 'New report',
      paragraphs: [says],
      quote: report.comment || undefined,
      action: { label: 'View report', url: `${baseUrl(ctx.config)}/admin/reports/${report.id}` },
      unsubscribe: { userId: recipient.user.id, username: recipient.account.username, type: 'report' },
    }),
  );
}

/** AdminMailer#new_pending_account: a sign-up to approve or reject, with the reason given. */
export async function sendPendingAccountMail(ctx: AppContext, data: { recipientUserId: string; userId: string }) {
  const recipient = await mailRecipient(ctx, data.recipientUserId);
  const pending = await mailRecipient(ctx, data.userId);
  if (!recipient || !pending || pending.user.approved || !notificationEmailSettings(recipient.user.settings).emails.pending_account) return;
  const username = pending.account.username;
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: recipient.user.email,
      subject: `New account up for review on ${ctx.config.localDomain} (${username})`,
      heading: 'New account up for review',
      paragraphs: ['The details of the new account are below. You can approve or reject this application.'],
      details: [
        ['Username', username],
        ['E-mail', pending.user.email],
        ['IP', pending.user.signUpIp ?? ''],
      ],
      quote: pending.user.inviteRequestText || undefined,
      action: { label: 'Review account', url: `${baseUrl(ctx.config)}/admin/accounts/${pending.account.id}` },
      unsubscribe: { userId: recipient.user.id, username: recipient.account.username, type: 'pending_account' },
    }),
  );
}
