import { and, asc, gt, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { findLocalUser } from '../../services/accounts/local-users.ts';
import { buildFeeds, clearFeeds } from '../../services/feeds/feed-maintenance.ts';
import { BATCH, plural, positiveInteger, walkBatches } from '../batches.ts';
import { CommandError, onePositional, output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

const local = isNull(accounts.domain);
const localAccountsAfter = (ctx: AppContext, afterId: string | undefined) =>
  ctx.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(local, afterId ? gt(accounts.id, afterId) : undefined))
    .orderBy(asc(accounts.id))
    .limit(BATCH);

async function countLocalAccounts(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(accounts).where(local);
  return row!.count;
}

/** Runs `work` on one member's account, or every local account with a progress bar. */
function forMembers(text: string, args: string[], verb: string, work: (ctx: AppContext, accountId: string) => Promise<void>, extra: { allowAll: boolean }): Prepared {
  const { values, positionals } = parseOptions(text, args, { all: { type: 'boolean' }, concurrency: { type: 'string', short: 'c' } });
  if (values.all && positionals.length > 0) throw new UsageError('give a USERNAME or --all, not both', text);
  const username = values.all || !extra.allowAll ? undefined : onePositional(positionals, 'USERNAME or --all', text);
  if (!extra.allowAll && positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const concurrency = positiveInteger(values.concurrency, 'concurrency', text, 5);
  return {
    async run(ctx, progress) {
      if (username !== undefined) {
        const found = await findLocalUser(ctx, username);
        if (!found) throw new CommandError(`no local account named "${username}"`);
        await work(ctx, found.account.id);
        return output('OK');
      }
      const total = await countLocalAccounts(ctx);
      progress.start(total);
      await walkBatches(
        (afterId) => localAccountsAfter(ctx, afterId),
        concurrency,
        ({ id }) => work(ctx, id),
        progress,
      );
      progress.stop();
      return output(`OK, ${verb} the feeds of ${plural(total, 'account')}`);
    },
  };
}

/** `subspace feeds build USERNAME | --all`: home and list feeds rebuilt from the database. */
const prepareBuild = (args: string[]) => forMembers(usage(ADMIN_USAGE.feeds.build), args, 'built', buildFeeds, { allowAll: true });

/** `subspace feeds clear`: every home and list feed dropped (each is rebuilt when its member next reads it). */
const prepareClear = (args: string[]) => forMembers(usage(ADMIN_USAGE.feeds.clear), ['--all', ...args], 'cleared', clearFeeds, { allowAll: false });

export const feedsCommand = commandWithSubcommands('feeds', { build: prepareBuild, clear: prepareClear });
