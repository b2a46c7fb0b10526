import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { findLocalUser, type LocalUser } from '../accounts/local-users.ts';
import type { InstanceSettings } from '../accounts/settings.ts';
import { renderAdminMarkdown } from '../../lib/text/admin-markdown.ts';

export interface InstanceStats {
  /** confirmed local users whose accounts are not suspended */
  userCount: number;
  /** posts by local accounts */
  statusCount: number;
  /** distinct domains of known remote accounts */
  domainCount: number;
  /** local users active (signed in or using a token) in the last 30 days */
  activeMonth: number;
  /** the same over the last 180 days (NodeInfo's activeHalfyear) */
  activeHalfyear: number;
}

const STATS_CACHE_KEY = 'instance:stats';
const STATS_TTL_SECONDS = 60;

/** The instance's counters, cached for a minute as Mastodon does (they are read on every app start). */
export async function instanceStats(ctx: AppContext): Promise<InstanceStats> {
  const cached = await ctx.cache.get(STATS_CACHE_KEY);
  if (cached) return JSON.parse(cached) as InstanceStats;
  const [row] = await queryRows<Record<string, string | number | null>>(
    ctx.db,
    sql`SELECT
      (SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.confirmed_at IS NOT NULL AND a.suspended_at IS NULL) AS user_count,
      (SELECT coalesce(sum(statuses_count), 0) FROM accounts WHERE domain IS NULL) AS status_count,
      (SELECT count(DISTINCT lower(domain)) FROM accounts WHERE domain IS NOT NULL) AS domain_count,
      (SELECT count(*) FROM users u WHERE u.confirmed_at IS NOT NULL AND (
         u.current_sign_in_at > now() - interval '30 days'
         OR EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.user_id = u.id AND t.last_used_at > now() - interval '30 days')
      )) AS active_month,
      (SELECT count(*) FROM users u WHERE u.confirmed_at IS NOT NULL AND (
         u.current_sign_in_at > now() - interval '180 days'
         OR EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.user_id = u.id AND t.last_used_at > now() - interval '180 days')
      )) AS active_halfyear`,
  );
  const stats: InstanceStats = {
    userCount: Number(row?.user_count ?? 0),
    statusCount: Number(row?.status_count ?? 0),
    domainCount: Number(row?.domain_count ?? 0),
    activeMonth: Number(row?.active_month ?? 0),
    activeHalfyear: Number(row?.active_halfyear ?? 0),
  };
  await ctx.cache.set(STATS_CACHE_KEY, JSON.stringify(stats), STATS_TTL_SECONDS);
  return stats;
}

/** Distinct domains of the remote accounts this instance knows (`GET /api/v1/instance/peers`). */
export async function instancePeers(ctx: AppContext): Promise<string[]> {
  const rows = await queryRows<{ domain: string }>(ctx.db, sql`SELECT DISTINCT lower(domain) AS domain FROM accounts WHERE domain IS NOT NULL ORDER BY 1`);
  return rows.map((row) => row.domain);
}

export function registrationsEnabled(ctx: AppContext, settings: InstanceSettings): boolean {
  return settings.registrations_mode !== 'none' && !ctx.config.singleUserMode;
}

/** Who may sign up and what they must give: what sign-up enforces and the instance entities say. */
export function registrationRules(ctx: AppContext, settings: InstanceSettings) {
  const approvalRequired = settings.registrations_mode === 'approved';
  return { enabled: registrationsEnabled(ctx, settings), approvalRequired, reasonRequired: approvalRequired && settings.require_invite_text };
}

/** The admin-chosen contact account, if it names a local account. */
export async function contactAccount(ctx: AppContext, settings: InstanceSettings): Promise<LocalUser | undefined> {
  const username = settings.site_contact_username.trim();
  if (!username) return undefined;
  return findLocalUser(ctx, username);
}

/** What an app shows when sign-ups are closed: the admin's message, or null. */
export function closedRegistrationsMessage(settings: InstanceSettings): string | null {
  return settings.closed_registrations_message.trim() ? renderAdminMarkdown(settings.closed_registrations_message) : null;
}
