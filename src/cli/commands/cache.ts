import { countRecountable, recountBatch, type RecountTarget } from '../../services/maintenance/recount.ts';
import { BATCH, plural } from '../batches.ts';
import { onePositional, output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/** `subspace cache clear`: empties the cache (Redis in server mode, the instance's memory when embedded). */
function prepareClear(args: string[]): Prepared {
  const { positionals } = parseOptions(usage(ADMIN_USAGE.cache.clear), args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, usage(ADMIN_USAGE.cache.clear));
  return {
    async run(ctx) {
      const removed = await ctx.cache.clear();
      return output(`OK, removed ${plural(removed, 'cache entry', 'cache entries')}`);
    },
  };
}

/** `subspace cache recount accounts|statuses`: counters computed again from what they count. */
function prepareRecount(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.cache.recount);
  const { positionals } = parseOptions(text, args, {});
  const target = onePositional(positionals, 'accounts or statuses', text);
  if (target !== 'accounts' && target !== 'statuses') throw new UsageError(`cannot recount ${target}: accounts or statuses`, text);
  return {
    async run(ctx, progress) {
      progress.start(await countRecountable(ctx, target as RecountTarget));
      let afterId: string | undefined;
      let total = 0;
      for (;;) {
        const { lastId, done } = await recountBatch(ctx, target as RecountTarget, afterId, BATCH);
        if (!lastId) break;
        progress.increment(done);
        total += done;
        afterId = lastId;
      }
      progress.stop();
      return output(`OK, recounted ${plural(total, target === 'accounts' ? 'account' : 'status', target === 'accounts' ? 'accounts' : 'statuses')}`);
    },
  };
}

export const cacheCommand = commandWithSubcommands('cache', { clear: prepareClear, recount: prepareRecount });
