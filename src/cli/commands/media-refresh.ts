import { and, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { isRowId } from '../../lib/ids.ts';
import { refreshRemoteMedia, type RefreshScope } from '../../services/media/media-refresh.ts';
import { humanSize } from '../human-size.ts';
import { CommandError, output, parseOptions, type Prepared } from '../admin.ts';
import type { Progress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

const REFRESH_USAGE = usage(ADMIN_USAGE.media.refresh);

const positiveInteger = (value: string | undefined, name: string, text: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive whole number`, text);
  return Number(value);
};

/** The remote account `user@domain` names, whatever its state (tootctl's Account.find_remote). */
async function findRemoteAccount(ctx: AppContext, handle: string): Promise<string | undefined> {
  const [username, domain] = handle.replace(/^@/, '').split('@');
  if (!username || !domain) return undefined;
  const [row] = await ctx.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(sql`lower(${accounts.username}) = lower(${username})`, sql`lower(${accounts.domain}) = lower(${domain})`))
    .limit(1);
  return row?.id;
}

/** `subspace media refresh` (tootctl media refresh): downloads remote attachments again, from one source. */
export function prepareMediaRefresh(args: string[]): Prepared {
  const { values, positionals } = parseOptions(REFRESH_USAGE, args, {
    status: { type: 'string' },
    account: { type: 'string' },
    domain: { type: 'string' },
    days: { type: 'string' },
    concurrency: { type: 'string', short: 'c' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`, REFRESH_USAGE);
  const sources = (['status', 'account', 'domain'] as const).filter((name) => values[name] !== undefined);
  if (sources.length > 1) throw new UsageError(`give one of --${sources.join(', --')}`, REFRESH_USAGE);
  const days = positiveInteger(values.days, 'days', REFRESH_USAGE);
  const concurrency = positiveInteger(values.concurrency, 'concurrency', REFRESH_USAGE) ?? 5;
  if (sources.length === 0 && days === undefined) throw new UsageError('Specify the source of media attachments: --status, --account, --domain or --days', REFRESH_USAGE);
  if (values.status !== undefined && !isRowId(values.status)) throw new UsageError('--status takes a status id', REFRESH_USAGE);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress: Progress) {
      const scope: RefreshScope = { statusId: values.status, domain: values.domain, days };
      if (values.account !== undefined) {
        scope.accountId = await findRemoteAccount(ctx, values.account);
        if (!scope.accountId) throw new CommandError('No such account');
      }
      const failures: string[] = [];
      const result = await refreshRemoteMedia(
        ctx,
        scope,
        { force: !!values.force, dryRun, concurrency },
        {
          start: (total) => progress.start(total),
          increment: () => progress.increment(),
          failed: (id, message) => failures.push(`Error processing ${id}: ${message}`),
        },
      ).finally(() => progress.stop());
      const summary = output(`Downloaded ${result.downloaded} media attachments (approx. ${humanSize(result.bytes)})${dryRun ? ' (DRY RUN)' : ''}`);
      return { ...summary, stderr: failures.map((line) => `${line}\n`).join('') };
    },
  };
}

/**
 * `subspace media …`: for now `refresh` alone (the media cleanup commands join it in commands/media.ts,
 * which takes prepareMediaRefresh as its `refresh`).
 */
