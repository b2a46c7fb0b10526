import { positiveInteger } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

const FORMATS = ['summary', 'domains', 'json'] as const;
/** More servers at once than this would only queue in the connection pool. */
const MAX_CONCURRENCY = 500;

/** `subspace domains crawl [START]` (tootctl domains crawl): totals of the servers reachable from here. */
export function prepareDomainsCrawl(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.domains.crawl);
  const { values, positionals } = parseOptions(text, args, {
    concurrency: { type: 'string', short: 'c' },
    format: { type: 'string', short: 'f' },
    'exclude-suspended': { type: 'boolean', short: 'x' },
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`, text);
  const format = values.format ?? 'summary';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`, text);
  const concurrency = Math.min(positiveInteger(values.concurrency, 'concurrency', text, 50), MAX_CONCURRENCY);
  return {
    async run(ctx, progress) {
      // imported when it runs: the other `domains` commands load none of it
      const { crawlPeers, crawlSummary, peerDomain } = await import('../../services/instance/crawl-peers.ts');
      const start = positionals[0] === undefined ? undefined : peerDomain(positionals[0]);
      if (positionals[0] !== undefined && !start) throw new UsageError(`START must be a domain, got "${positionals[0]}"`, text);
      const result = await crawlPeers(ctx, { start, concurrency, excludeSuspended: !!values['exclude-suspended'], progress });
      if (format === 'domains') return output([...result.servers.keys()].join('\n'));
      if (format === 'json') return output(JSON.stringify(Object.fromEntries(result.servers)));
      return output(crawlSummary(result));
    },
  };
}
