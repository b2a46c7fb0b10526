import { inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { domainAllows, domainBlocks } from '../db/schema.ts';
import { normalizeDomain } from './domain-blocks.ts';

export type DomainBlockRow = typeof domainBlocks.$inferSelect;

/** `a.b.example.com` → [`a.b.example.com`, `b.example.com`, `example.com`, `com`]: a rule on a domain covers its subdomains. */
export function domainVariants(domain: string): string[] {
  const segments = normalizeDomain(domain).split('.');
  return segments.map((_, i) => segments.slice(i).join('.'));
}

/** The instance-level block that applies to `domain` (Mastodon's DomainBlock.rule_for): the most specific one. */
export async function domainBlockFor(ctx: AppContext, domain: string | null | undefined): Promise<DomainBlockRow | undefined> {
  if (!domain) return undefined;
  const variants = domainVariants(domain);
  const rows = await ctx.db.select().from(domainBlocks).where(inArray(domainBlocks.domain, variants));
  return rows.sort((a, b) => b.domain.length - a.domain.length)[0];
}

/** Whether the domain is suspended: nothing is accepted from it or sent to it. */
export async function isDomainSuspended(ctx: AppContext, domain: string | null | undefined): Promise<boolean> {
  return (await domainBlockFor(ctx, domain))?.severity === 'suspend';
}

/** Whether the domain's accounts are silenced (kept out of public timelines and notifications from strangers). */
export async function isDomainSilenced(ctx: AppContext, domain: string | null | undefined): Promise<boolean> {
  return (await domainBlockFor(ctx, domain))?.severity === 'silence';
}

/** Whether media from the domain is refused (a `reject_media` block, or a suspension). */
export async function rejectsMediaFrom(ctx: AppContext, domain: string | null | undefined): Promise<boolean> {
  const block = await domainBlockFor(ctx, domain);
  return !!block && (block.rejectMedia || block.severity === 'suspend');
}

/** Whether reports (`Flag`) from the domain are refused (a `reject_reports` block, or a suspension). */
export async function rejectsReportsFrom(ctx: AppContext, domain: string | null | undefined): Promise<boolean> {
  const block = await domainBlockFor(ctx, domain);
  return !!block && (block.rejectReports || block.severity === 'suspend');
}

/**
 * Whether this instance federates with `domain` at all, both ways: not suspended and, under
 * `LIMITED_FEDERATION_MODE`, on the allow list (Mastodon's DomainControlHelper#domain_not_allowed?).
 */
export async function federatesWith(ctx: AppContext, domain: string | null | undefined): Promise<boolean> {
  if (!domain) return true;
  if (ctx.config.limitedFederationMode) {
    const allowed = await ctx.db.select({ domain: domainAllows.domain }).from(domainAllows).where(inArray(domainAllows.domain, domainVariants(domain)));
    if (allowed.length === 0) return false;
  }
  return !(await isDomainSuspended(ctx, domain));
}
