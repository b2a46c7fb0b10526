import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';
import { canonicalEmailBlocksMatching } from '../moderation/canonical-email-blocks.ts';
import { matchEmailDomainBlock } from '../moderation/email-domain-blocks.ts';
import { signUpIpSeverity } from '../moderation/ip-blocks.ts';
import { checkEmailDomainDns } from './email-mx.ts';

/**
 * What the instance's blocks say of a sign-up, as Mastodon's AppSignUpService (IP blocks),
 * BlacklistedEmailValidator (e-mail domain and canonical e-mail blocks), EmailMxValidator (the
 * address's mail hosts) and User#requires_approval? decide it.
 */
export interface SignUpProtection {
  /** an IP block, or an e-mail domain block with allow_with_approval, asks for approval */
  approvalRequired: boolean;
  /** errors on the e-mail field, reported with the other validation errors */
  emailErrors: { error: string; description: string }[];
}

const BLOCKED = { error: 'ERR_BLOCKED', description: 'uses a disallowed e-mail provider' };
const UNREACHABLE = { error: 'ERR_UNREACHABLE', description: 'does not seem to exist' };
const TAKEN = { error: 'ERR_TAKEN', description: 'is already taken' };

/** `domain` is `listed` or a subdomain of it. */
const withinDomain = (domain: string, listed: string) => domain === listed || domain.endsWith(`.${listed}`);

/** BlacklistedEmailValidator's configuration checks: a domain of EMAIL_DOMAIN_DENYLIST, or one outside a set EMAIL_DOMAIN_ALLOWLIST. */
function disallowedByConfiguration(ctx: AppContext, domain: string): boolean {
  const { emailDomainAllowlist, emailDomainDenylist } = ctx.config;
  if (emailDomainDenylist.some((listed) => withinDomain(domain, listed))) return true;
  return emailDomainAllowlist.length > 0 && !emailDomainAllowlist.some((listed) => withinDomain(domain, listed));
}

/** A sign-up from an address under `sign_up_block` (or `no_access`) is not allowed at all: 403, as Mastodon's NotPermittedError. */
export async function refuseBlockedAddress(ctx: AppContext, ip: string): Promise<{ approvalRequired: boolean }> {
  const severity = await signUpIpSeverity(ctx, ip);
  if (severity === 'sign_up_block') throw new ApiError(403, 'This action is not allowed');
  return { approvalRequired: severity === 'sign_up_requires_approval' };
}

/**
 * The e-mail checks. With a valid invite the blocks are waived (BlacklistedEmailValidator skips
 * invited sign-ups), but an address at a domain that cannot receive mail is still refused.
 */
export async function checkSignUpEmail(ctx: AppContext, email: string, ip: string, invited: boolean): Promise<SignUpProtection> {
  const at = email.lastIndexOf('@');
  const domain = at < 0 ? '' : email.slice(at + 1).toLowerCase();
  if (!domain || domain.includes('..')) return { approvalRequired: false, emailErrors: [] };
  const dns = await checkEmailDomainDns(ctx, domain);
  if (dns.checked && !dns.reachable) return { approvalRequired: false, emailErrors: [UNREACHABLE] };
  const block = await matchEmailDomainBlock(ctx, [domain, ...(dns.checked ? dns.mailHosts : [])], ip || null);
  const emailErrors = [];
  if (!invited && disallowedByConfiguration(ctx, domain)) emailErrors.push(BLOCKED);
  else if (block && !block.allowWithApproval && !invited) emailErrors.push(BLOCKED);
  if (!invited && (await canonicalEmailBlocksMatching(ctx, email)).length > 0) emailErrors.push(TAKEN);
  return { approvalRequired: !!block?.allowWithApproval, emailErrors };
}
