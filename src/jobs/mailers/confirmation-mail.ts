import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';
import { mailRecipient } from './recipients.ts';

/**
 * Sends the confirmation link (Devise's confirmation_instructions): to the sign-up address, or, for
 * a change of address, to the new one (reconfirmation_instructions).
 */
export async function sendConfirmationMail(ctx: AppContext, data: { userId: string; token: string }) {
  const row = await mailRecipient(ctx, data.userId);
  if (!row) return;
  const reconfirmation = !!row.user.unconfirmedEmail;
  if (!reconfirmation && row.user.confirmedAt) return;
  const { site_title } = await getSettings(ctx);
  const domain = ctx.config.localDomain;
  const url = `${baseUrl(ctx.config)}/auth/confirmation?confirmation_token=${encodeURIComponent(data.token)}`;
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: row.user.unconfirmedEmail ?? row.user.email,
      subject: reconfirmation ? `${site_title}: Confirm email for ${domain}` : `${site_title}: Confirmation instructions for ${domain}`,
      heading: reconfirmation ? 'Verify email address' : 'One last step!',
      paragraphs: reconfirmation
        ? [
            `Hi @${row.account.username},`,
            `You asked to change the e-mail address of your account on ${domain} to this one. To confirm it, open the link below.`,
            "If this wasn't you, please ignore this e-mail: the address stays as it was.",
          ]
        : [`Hi @${row.account.username},`, `You just created an account on ${domain}. To confirm your e-mail address, open the link below.`, "If this wasn't you, please ignore this e-mail."],
      action: { label: reconfirmation ? 'Confirm e-mail address' : 'Verify e-mail address', url },
    }),
  );
}
