import type { AppContext } from '../../context.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { createLocalAccount } from './create-account.ts';
import { registrationRules } from '../instance/instance.ts';
import type { AccountRow, ApplicationRow, UserRow } from '../oauth/authenticate-token.ts';
import { issueToken } from '../oauth/tokens.ts';
import { findUsableInvite, releaseInviteUse, useInvite } from './invites.ts';
import { getSettings } from './settings.ts';
import { notifyStaff } from '../notifications/staff-notifications.ts';
import { checkSignUpEmail, refuseBlockedAddress } from './sign-up-protection.ts';

export interface Registration {
  username: string;
  email: string;
  password: string;
  /** the web form's second password field; apps send none */
  passwordConfirmation?: string;
  agreement: boolean;
  locale?: string | null;
  reason?: string | null;
  /** Mastodon's `invite_code`: a valid invite lets the sign-up in while registrations are closed, without approval */
  inviteCode?: string | null;
  ip: string;
  /** the app signing the member up, if any */
  applicationId?: string | null;
}

/**
 * A sign-up, from an app or the web form: honours the registration mode (closed: 403; approval: the
 * member waits for staff), invites, and the instance's IP, e-mail domain and canonical e-mail
 * blocks, and sends the confirmation mail.
 */
export async function signUpMember(ctx: AppContext, input: Registration): Promise<{ user: UserRow; account: AccountRow }> {
  const settings = await getSettings(ctx);
  const { enabled, approvalRequired, reasonRequired } = registrationRules(ctx, settings);
  const address = await refuseBlockedAddress(ctx, input.ip);
  const invite = input.inviteCode ? await findUsableInvite(ctx, input.inviteCode) : undefined;
  if ((!enabled && !invite) || ctx.config.singleUserMode) throw new ApiError(403, 'This action is not allowed');
  if (!input.agreement) throw validationFailed(['Agreement must be accepted'], { agreement: [{ error: 'ERR_ACCEPTED', description: 'must be accepted' }] });
  if (reasonRequired && !invite && !input.reason?.trim()) {
    throw validationFailed(["Reason can't be blank"], { reason: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  }
  if (input.passwordConfirmation !== undefined && input.passwordConfirmation !== input.password) {
    throw validationFailed(["Password confirmation doesn't match Password"], { password_confirmation: [{ error: 'ERR_CONFIRMATION', description: "doesn't match Password" }] });
  }
  const email = await checkSignUpEmail(ctx, input.email, input.ip, !!invite);
  // User#set_approved: a block asking for approval wins over an invite, which wins over the registration mode.
  const approved = !address.approvalRequired && !email.approvalRequired && (!approvalRequired || !!invite);
  if (invite && !(await useInvite(ctx, invite.id))) throw new ApiError(403, 'This action is not allowed');
  let created: { user: UserRow; account: AccountRow };
  try {
    created = await createLocalAccount(ctx, {
      username: input.username,
      email: input.email,
      password: input.password,
      approved,
      locale: input.locale,
      reason: input.reason?.slice(0, 500) ?? null,
      signUpIp: input.ip,
      inviteId: invite?.id ?? null,
      applicationId: input.applicationId ?? null,
      emailErrors: email.emailErrors,
    });
  } catch (error) {
    if (invite) await releaseInviteUse(ctx, invite.id);
    throw error;
  }
  await notifyStaff(ctx, { type: 'admin.sign_up', fromAccountId: created.account.id });
  return created;
}

/**
 * Sign-up through `POST /api/v1/accounts` by an app: answers with a token the app can use once the
 * member confirms their e-mail (and, when approval is needed, is approved).
 */
export async function registerAccount(ctx: AppContext, app: ApplicationRow | null, scopes: string[], input: Registration) {
  const { user } = await signUpMember(ctx, { ...input, applicationId: app?.id ?? null });
  return issueToken(ctx, { applicationId: app?.id ?? null, userId: user.id, scopes });
}
