import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';
import { mailRecipient } from './recipients.ts';

/** Sends the password reset link (Devise's reset_password_instructions). */
export async function sendPasswordResetMail(ctx: AppContext, data: { userId: string; token: string }) {
  const row = await mailRecipient(ctx, data.userId);
  if (!row) return;
  const { site_title } = await getSettings(ctx);
  const url = `${baseUrl(ctx.config)}/auth/password/edit?reset_password_token=${encodeURIComponent(data.token)}`;
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: row.user.email,
      subject: `${site_title}: Reset password instructions for ${ctx.config.localDomain}`,
      heading: 'Password reset',
      paragraphs: [
        `Hi @${row.account.username},`,
        `Someone asked to change the password of your account on ${ctx.config.localDomain}. To choose a new password, open the link below within 6 hours.`,
        'If you did not ask for this, ignore this e-mail: your password stays as it is.',
      ],
      action: { label: 'Change password', url },
    }),
  );
}
