import { inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { domainAllows, domainBlocks } from '../db/schema.ts';
import { normalizeDomain } from './domain-blocks.ts';

export type DomainBlockRow = typeof domainBlocks.$inferSelect;

/**
 * `a.b.example.com` → [`a.b.example.com`, `b.example.com`, `example.com`, `com`]: a rule on a domain covers its subdomains.
 * A domain with a port (`example.com:8443`, as remote accounts' domains are when their server is
 * not on the default port) is matched by itself and by every rule on its host.
 */
export function domainVariants(domain: string): string[] {
  const normalized = normalizeDomain(domain);
  const host = normalized.replace(/:\d+$/, '');
  const segments = host.split('.');
  const variants = segments.map((_, i) => segments.slice(i).join('.'));
  return host === normalized ? variants : [normalized, ...variants];
}

// Every inbound activity and every delivery asks these, so answers are cached; a change to either
// list moves the generation, which orphans every cached answer at once.
const GENERATION_KEY = 'instance_domain_policy:generation';
const CACHE_TTL_SECONDS = 600;
const NONE = '-';

async function generation(ctx: AppContext): Promise<string> {
  const current = await ctx.cache.get(GENERATION_KEY);
  if (current !== null) return current;
  const fresh = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  await ctx.cache.set(GENERATION_KEY, fresh);
  return fresh;
}

/** Forgets every cached block and allow answer: call after any change to `domain_blocks` or `domain_allows`. */
export async function invalidateDomainPolicy(ctx: AppContext): Promise<void> {
  await ctx.cache.del(GENERATION_KEY);
}

function reviveBlock(json: string): DomainBlockRow {
  const row = JSON.parse(json) as DomainBlockRow;
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}

/** The instance-level block that applies to `domain` (Mastodon's DomainBlock.rule_for): the most specific one. */
export async function domainBlockFor(ctx: AppContext, domain: string | null | undefined): Promise<DomainBlockRow | undefined> {
  if (!domain) return undefined;
  const variants = domainVariants(domain);
  const key = `instance_domain_block:${await generation(ctx)}:${variants[0]}`;
  const cached = await ctx.cache.get(key);
  if (cached !== null) return cached === NONE ? undefined : reviveBlock(cached);
  const rows = await ctx.db.select().from(domainBlocks).where(inArray(domainBlocks.domain, variants));
  const rule = rows.sort((a, b) => b.domain.length - a.domain.length)[0];
  await ctx.cache.set(key, rule ? JSON.stringify(rule) : NONE, CACHE_TTL_SECONDS);
  return rule;
}

/** Whether the domain (or one it is under) is on the allow list (Mastodon's DomainAllow.allowed?). */
export async function isDomainAllowed(ctx: AppContext, domain: string): Promise<boolean> {
  const variants = domainVariants(domain);
  const key = `instance_domain_allow:${await generation(ctx)}:${variants[0]}`;
  const cached = await ctx.cache.get(key);
  if (cached !== null) return cached === '1';
  const allowed = await ctx.db.select({ domain: domainAllows.domain }).from(domainAllows).where(inArray(domainAllows.domain, variants));
  await ctx.cache.set(key, allowed.length > 0 ? '1' : '0', CACHE_TTL_SECONDS);
  return allowed.length > 0;
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
  if (ctx.config.limitedFederationMode && !(await isDomainAllowed(ctx, domain))) return false;
  return !(await isDomainSuspended(ctx, domain));
}

/** The host (with its port, if any) of a URL, or undefined when it is none. */
export function hostOf(url: string | URL | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return (typeof url === 'string' ? new URL(url) : url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** federatesWith() for the host of a URL (an actor, a key, an inbox); a URL without a host is refused. */
export async function federatesWithUrl(ctx: AppContext, url: string | URL | null | undefined): Promise<boolean> {
  const host = hostOf(url);
  return host !== undefined && (await federatesWith(ctx, host));
}
