import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { getSettings } from '../../services/accounts/settings.ts';

/** Sends the password reset link (Devise's reset_password_instructions). */
export async function sendPasswordResetMail(ctx: AppContext, data: { userId: string; token: string }) {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, data.userId)).limit(1);
  if (!row) return;
  const { site_title } = await getSettings(ctx);
  const link = `${baseUrl(ctx.config)}/auth/password/edit?reset_password_token=${encodeURIComponent(data.token)}`;
  await ctx.mailer.send({
    to: row.user.email,
    subject: `${site_title}: Reset password instructions for ${ctx.config.localDomain}`,
    text: `Hi @${row.account.username},\n\nSomeone asked to change the password of your account on ${ctx.config.localDomain}. To choose a new password, open this link within 6 hours:\n\n${link}\n\nIf you did not ask for this, ignore this e-mail: your password stays as it is.\n`,
  });
}
