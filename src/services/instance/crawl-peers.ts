import { eq, isNotNull } from 'drizzle-orm';
import type { Progress } from '../../cli/progress.ts';
import type { AppContext } from '../../context.ts';
import { accounts, domainBlocks } from '../../db/schema.ts';
import { SUBSPACE_VERSION } from '../../lib/instance-limits.ts';
import { guardedFetch, outboundPolicy, unwrappedFetch, type OutboundPolicy } from '../../lib/outbound-fetch.ts';

/*
 * tootctl domains crawl: from the servers this one knows (or one START), each server is asked for
 * its figures (/api/v1/instance, /api/v1/instance/activity, NodeInfo for its software) and its peers
 * (/api/v1/instance/peers), which are crawled in turn, so many at a time. Remote servers are
 * untrusted: federation's outbound rules apply (no private or reserved address unless
 * ALLOWED_PRIVATE_ADDRESSES lists it), every request has a deadline and a size cap, peer names must
 * be host names, and the crawl stops adding servers past MAX_CRAWLED_SERVERS.
 */

/** How many servers one crawl visits at most (the fediverse has some tens of thousands). */
export const MAX_CRAWLED_SERVERS = 200_000;
const REQUEST_TIMEOUT_MS = 10_000;
const DOCUMENT_MAX_BYTES = 256 * 1024;
/** A large server's peer list holds tens of thousands of names. */
const PEERS_MAX_BYTES = 8 * 1024 * 1024;
const MAX_PEERS_PER_SERVER = 200_000;

/** What one server told of itself; a field it did not answer is absent. */
export interface ServerFigures {
  /** registered users (/api/v1/instance stats.user_count, or NodeInfo usage.users.total) */
  users?: number;
  /** members who signed in during the last full week (/api/v1/instance/activity) */
  activeWeek?: number;
  /** sign-ups during the last full week (/api/v1/instance/activity) */
  joinedWeek?: number;
  /** NodeInfo usage.users.activeMonth */
  activeMonth?: number;
  /** NodeInfo software.name, lower-case */
  software?: string;
  softwareVersion?: string;
}

export interface CrawlOptions {
  /** the server to start from; every server this one knows of otherwise */
  start?: string;
  concurrency: number;
  /** servers under an instance-level suspension (and their subdomains) are neither visited nor counted */
  excludeSuspended: boolean;
  progress: Progress;
}

export interface CrawlResult {
  visited: number;
  failed: number;
  /** the servers that answered, by domain, in the order they were visited */
  servers: Map<string, ServerFigures>;
  seconds: number;
}

/** A peer's name as a host (`example.com`, `example.com:8443`), lower-cased; undefined when it is none. */
export function peerDomain(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return undefined;
  const lower = value.trim().toLowerCase();
  if (!/^[a-z0-9.[\]:-]+$/.test(lower) || lower.startsWith('.')) return undefined;
  try {
    const url = new URL(`http://${lower}`);
    return url.host === lower && url.pathname === '/' ? lower : undefined;
  } catch {
    return undefined;
  }
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined);
const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

export async function crawlPeers(ctx: AppContext, options: CrawlOptions): Promise<CrawlResult> {
  const startedAt = performance.now();
  const scheme = ctx.config.https ? 'https' : 'http';
  const base = outboundPolicy(ctx.config.allowedPrivateAddresses, `Subspace/${SUBSPACE_VERSION} (domains crawl)`, undefined, { connectMs: 5_000, readMs: REQUEST_TIMEOUT_MS });
  const documents: OutboundPolicy = { ...base, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: DOCUMENT_MAX_BYTES };
  const peerLists: OutboundPolicy = { ...base, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: PEERS_MAX_BYTES };
  const suspended = options.excludeSuspended
    ? (await ctx.db.select({ domain: domainBlocks.domain }).from(domainBlocks).where(eq(domainBlocks.severity, 'suspend'))).map((row) => row.domain.toLowerCase())
    : [];
  const excluded = (domain: string) => {
    const host = domain.replace(/:\d+$/, '');
    return suspended.some((block) => host === block || host.endsWith(`.${block}`));
  };

  const getJson = async (policy: OutboundPolicy, url: string): Promise<unknown> => {
    const response = await guardedFetch(unwrappedFetch(), policy, url, { headers: { accept: 'application/json' }, redirect: 'follow' });
    if (response.status !== 200) {
      void response.body?.cancel();
      return undefined;
    }
    return response.json().catch(() => undefined);
  };

  const seen = new Set<string>();
  const queue: string[] = [];
  const servers = new Map<string, ServerFigures>();
  let visited = 0;
  let failed = 0;
  const add = (domain: string | undefined) => {
    if (!domain || seen.has(domain) || seen.size >= MAX_CRAWLED_SERVERS || excluded(domain)) return;
    seen.add(domain);
    queue.push(domain);
  };

  const visit = async (domain: string) => {
    const origin = `${scheme}://${domain}`;
    const figures: ServerFigures = {};
    let answered = false;
    const attempt = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch {
        // an unreachable, refused, slow or oversized answer: this part of the server's figures stays unknown
      }
    };
    await attempt(async () => {
      const instance = record(await getJson(documents, `${origin}/api/v1/instance`));
      if (!instance) return;
      answered = true;
      figures.users = count(record(instance.stats)?.user_count);
    });
    await attempt(async () => {
      const peers = await getJson(peerLists, `${origin}/api/v1/instance/peers`);
      if (Array.isArray(peers)) for (const peer of peers.slice(0, MAX_PEERS_PER_SERVER)) add(peerDomain(peer));
    });
    if (answered) {
      await attempt(async () => {
        const activity = await getJson(documents, `${origin}/api/v1/instance/activity`);
        // the first entry is the week under way; the second the last full week, as tootctl reads it
        const week = Array.isArray(activity) && activity.length > 2 ? record(activity[1]) : undefined;
        if (!week) return;
        figures.activeWeek = count(Number(week.logins));
        figures.joinedWeek = count(Number(week.registrations));
      });
    }
    await attempt(async () => {
      const links = record(await getJson(documents, `${origin}/.well-known/nodeinfo`))?.links;
      const href = Array.isArray(links)
        ? links
            .slice(0, 20)
            .map(record)
            .find((link) => typeof link?.rel === 'string' && /^http:\/\/nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/.test(link.rel) && typeof link.href === 'string')?.href
        : undefined;
      if (typeof href !== 'string' || new URL(href).host !== domain) return;
      const nodeinfo = record(await getJson(documents, href));
      const software = record(nodeinfo?.software);
      if (!software || typeof software.name !== 'string') return;
      answered = true;
      figures.software = software.name.toLowerCase().slice(0, 64);
      if (typeof software.version === 'string') figures.softwareVersion = software.version.slice(0, 64);
      const users = record(record(nodeinfo!.usage)?.users);
      figures.users ??= count(users?.total);
      figures.activeMonth = count(users?.activeMonth);
    });
    visited += 1;
    if (answered) servers.set(domain, figures);
    else failed += 1;
  };

  const seeds = options.start ? [options.start] : (await ctx.db.selectDistinct({ domain: accounts.domain }).from(accounts).where(isNotNull(accounts.domain))).map((row) => row.domain!);
  for (const seed of seeds) add(peerDomain(seed));

  options.progress.start(queue.length);
  let reportedTotal = queue.length;
  await new Promise<void>((resolve) => {
    let running = 0;
    const pump = () => {
      if (seen.size !== reportedTotal) {
        reportedTotal = seen.size;
        options.progress.setTotal?.(reportedTotal);
      }
      while (running < options.concurrency && queue.length > 0) {
        const domain = queue.shift()!;
        running += 1;
        void visit(domain).finally(() => {
          running -= 1;
          options.progress.increment();
          pump();
        });
      }
      if (running === 0 && queue.length === 0) resolve();
    };
    pump();
  });
  options.progress.stop();
  return { visited, failed, servers, seconds: (performance.now() - startedAt) / 1000 };
}

/** tootctl's summary: what was visited, and the totals of the servers that answered. */
export function crawlSummary(result: CrawlResult): string {
  const sum = (pick: (figures: ServerFigures) => number | undefined) => [...result.servers.values()].reduce((total, figures) => total + (pick(figures) ?? 0), 0);
  const software = new Map<string, number>();
  for (const figures of result.servers.values()) software.set(figures.software ?? 'unknown', (software.get(figures.software ?? 'unknown') ?? 0) + 1);
  const bySoftware = [...software].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [
    `Visited ${result.visited} domains, ${result.failed} failed (${Math.round(result.seconds)}s elapsed)`,
    `Total servers: ${result.servers.size}`,
    `Total registered: ${sum((figures) => figures.users)}`,
    `Total active last week: ${sum((figures) => figures.activeWeek)}`,
    `Total joined last week: ${sum((figures) => figures.joinedWeek)}`,
    `Total active last month: ${sum((figures) => figures.activeMonth)}`,
    `Software: ${bySoftware.map(([name, servers]) => `${name} ${servers}`).join(', ') || 'none'}`,
  ].join('\n');
}
