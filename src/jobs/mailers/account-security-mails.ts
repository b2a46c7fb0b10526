import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';
import { mailRecipient } from './recipients.ts';

/** UserMailer#suspicious_sign_in: a sign-in from an address the member never used, with where it came from. */
export async function sendSuspiciousSignInMail(ctx: AppContext, data: { userId: string; ip: string; userAgent: string; at: string }) {
  const row = await mailRecipient(ctx, data.userId);
  if (!row) return;
  const site = baseUrl(ctx.config);
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: row.user.email,
      subject: 'Your account has been accessed from a new IP address',
      heading: 'A new sign-in',
      paragraphs: [
        `Hi @${row.account.username},`,
        "We've detected a sign-in to your account from a new IP address. If this wasn't you, change your password immediately and sign that session out.",
        'Here are the details of the sign-in:',
      ],
      details: [
        ['IP', data.ip],
        ['Browser', data.userAgent || 'Unknown'],
        ['Time', `${data.at.slice(0, 16).replace('T', ' ')} UTC`],
      ],
      action: { label: 'Review your sessions', url: `${site}/auth/edit` },
    }),
  );
}

/** Devise's email_changed: told at the old address when a new one is asked for, in case it was not the member. */
export async function sendEmailChangedMail(ctx: AppContext, data: { userId: string; oldEmail: string; newEmail: string }) {
  const row = await mailRecipient(ctx, data.userId);
  if (!row) return;
  const { site_title } = await getSettings(ctx);
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: data.oldEmail,
      subject: `${site_title}: Email changed`,
      heading: 'E-mail address changed',
      paragraphs: [
        `Hi @${row.account.username},`,
        `The e-mail address for your account on ${ctx.config.localDomain} is being changed to:`,
        data.newEmail,
        "If you did not change your e-mail, it is likely that someone has gained access to your account. Please change your password immediately or contact the server's staff if you're locked out of your account.",
      ],
      action: { label: 'Review your account', url: `${baseUrl(ctx.config)}/auth/edit` },
    }),
  );
}
