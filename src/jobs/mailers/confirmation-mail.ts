import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { getSettings } from '../../services/accounts/settings.ts';

/** Sends the sign-up confirmation link (Devise's confirmation_instructions). */
export async function sendConfirmationMail(ctx: AppContext, data: { userId: string; token: string }) {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, data.userId)).limit(1);
  if (!row || row.user.confirmedAt) return;
  const { site_title } = await getSettings(ctx);
  const link = `${baseUrl(ctx.config)}/auth/confirmation?confirmation_token=${encodeURIComponent(data.token)}`;
  await ctx.mailer.send({
    to: row.user.email,
    subject: `${site_title}: Confirmation instructions for ${ctx.config.localDomain}`,
    text: `Hi @${row.account.username},\n\nYou just created an account on ${ctx.config.localDomain}. To confirm your e-mail address, open this link:\n\n${link}\n\nIf this wasn't you, please ignore this e-mail.\n`,
  });
}
