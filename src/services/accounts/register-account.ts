import type { AppContext } from '../../context.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { createLocalAccount } from './create-account.ts';
import { registrationRules } from '../instance/instance.ts';
import type { ApplicationRow } from '../oauth/authenticate-token.ts';
import { issueToken } from '../oauth/tokens.ts';
import { getSettings } from './settings.ts';
import { notifyStaff } from '../notifications/staff-notifications.ts';

export interface Registration {
  username: string;
  email: string;
  password: string;
  agreement: boolean;
  locale?: string | null;
  reason?: string | null;
  ip: string;
}

/**
 * Sign-up through `POST /api/v1/accounts` by an app: honours the registration mode, and answers
 * with a token the app can use once the member confirms their e-mail (and, in approval mode, is approved).
 */
export async function registerAccount(ctx: AppContext, app: ApplicationRow | null, scopes: string[], input: Registration) {
  const settings = await getSettings(ctx);
  const { enabled, approvalRequired, reasonRequired } = registrationRules(ctx, settings);
  if (!enabled) throw new ApiError(403, 'This action is not allowed');
  if (!input.agreement) throw validationFailed(['Agreement must be accepted'], { agreement: [{ error: 'ERR_ACCEPTED', description: 'must be accepted' }] });
  if (reasonRequired && !input.reason?.trim()) {
    throw validationFailed(["Reason can't be blank"], { reason: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  }
  const { user, account } = await createLocalAccount(ctx, {
    username: input.username,
    email: input.email,
    password: input.password,
    approved: !approvalRequired,
    locale: input.locale,
    reason: input.reason?.slice(0, 500) ?? null,
    signUpIp: input.ip,
  });
  await notifyStaff(ctx, { type: 'admin.sign_up', fromAccountId: account.id });
  return issueToken(ctx, { applicationId: app?.id ?? null, userId: user.id, scopes });
}
