import { inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { domainAllows, domainBlocks } from '../../db/schema.ts';
import { normalizeDomain } from '../relationships/domain-blocks.ts';
import type { DomainBlockRow } from '../../db/schema.ts';
import { announcePolicyChange, memoized } from './domain-policy-memo.ts';

export type { DomainBlockRow };

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

// Every inbound activity and every delivery asks these, so answers are cached, in the shared cache and
// in each process (domain-policy-memo.ts); a change to either list moves the generation, which
// orphans every shared answer at once, and is announced to every process, which forget theirs.
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
  await announcePolicyChange(ctx);
}

function reviveBlock(json: string): DomainBlockRow {
  const row = JSON.parse(json) as DomainBlockRow;
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}

/** The instance-level block that applies to `domain` (Mastodon's DomainBlock.rule_for): the most specific one. */
export async function domainBlockFor(ctx: AppContext, domain: string | null | undefined): Promise<DomainBlockRow | undefined> {
  if (!domain) return undefined;
  return memoized(ctx, `block:${domain.toLowerCase()}`, () => sharedDomainBlockFor(ctx, domain));
}

async function sharedDomainBlockFor(ctx: AppContext, domain: string): Promise<DomainBlockRow | undefined> {
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
export function isDomainAllowed(ctx: AppContext, domain: string): Promise<boolean> {
  return memoized(ctx, `allow:${domain.toLowerCase()}`, () => sharedIsDomainAllowed(ctx, domain));
}

async function sharedIsDomainAllowed(ctx: AppContext, domain: string): Promise<boolean> {
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

function mostSpecific(rows: DomainBlockRow[], variants: string[]): DomainBlockRow | undefined {
  const set = new Set(variants);
  return rows.filter((row) => set.has(row.domain)).sort((a, b) => b.domain.length - a.domain.length)[0];
}

/**
 * federatesWith() for many hosts at once (a fan-out's inboxes): one cache read for all, and one
 * query for the hosts not cached. Returns the hosts this instance does not federate with.
 */
export async function hostsNotFederatedWith(ctx: AppContext, hosts: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(hosts.map((host) => host.toLowerCase()))];
  const refused = new Set<string>();
  if (unique.length === 0) return refused;
  const gen = await generation(ctx);
  const variantsOf = new Map(unique.map((host) => [host, domainVariants(host)]));
  const keyOf = (kind: string, host: string) => `instance_domain_${kind}:${gen}:${variantsOf.get(host)![0]}`;

  const blockCached = await ctx.cache.getMany(unique.map((host) => keyOf('block', host)));
  const blockMisses = unique.filter((_, i) => blockCached[i] === null);
  const fetched = blockMisses.length
    ? await ctx.db
        .select()
        .from(domainBlocks)
        .where(inArray(domainBlocks.domain, [...new Set(blockMisses.flatMap((host) => variantsOf.get(host)!))]))
    : [];
  for (const [i, host] of unique.entries()) {
    let severity: string | undefined;
    if (blockCached[i] !== null) severity = blockCached[i] === NONE ? undefined : reviveBlock(blockCached[i]!).severity;
    else {
      const rule = mostSpecific(fetched, variantsOf.get(host)!);
      await ctx.cache.set(keyOf('block', host), rule ? JSON.stringify(rule) : NONE, CACHE_TTL_SECONDS);
      severity = rule?.severity;
    }
    if (severity === 'suspend') refused.add(host);
  }

  if (ctx.config.limitedFederationMode) {
    const rest = unique.filter((host) => !refused.has(host));
    const allowCached = await ctx.cache.getMany(rest.map((host) => keyOf('allow', host)));
    const allowMisses = rest.filter((_, i) => allowCached[i] === null);
    const allowed = allowMisses.length
      ? new Set(
          (
            await ctx.db
              .select({ domain: domainAllows.domain })
              .from(domainAllows)
              .where(inArray(domainAllows.domain, [...new Set(allowMisses.flatMap((host) => variantsOf.get(host)!))]))
          ).map((row) => row.domain),
        )
      : new Set<string>();
    for (const [i, host] of rest.entries()) {
      let ok: boolean;
      if (allowCached[i] !== null) ok = allowCached[i] === '1';
      else {
        ok = variantsOf.get(host)!.some((variant) => allowed.has(variant));
        await ctx.cache.set(keyOf('allow', host), ok ? '1' : '0', CACHE_TTL_SECONDS);
      }
      if (!ok) refused.add(host);
    }
  }
  return refused;
}
