import { countUnreferencedStatuses, removeStatuses, unreferencedStatusesAfter } from '../../services/maintenance/unreferenced-statuses.ts';
import { BATCH, plural, positiveInteger } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

const DAY_MS = 24 * 3600 * 1000;

/** `subspace statuses remove [--days N]`: other servers' statuses nobody here refers to, older than N days (90). */
function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.statuses.remove);
  const { values, positionals } = parseOptions(text, args, { days: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const days = positiveInteger(values.days, 'days', text, 90);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress) {
      const cutoff = new Date(Date.now() - days * DAY_MS);
      progress.start(await countUnreferencedStatuses(ctx, cutoff));
      let removed = 0;
      let afterId: string | undefined;
      for (;;) {
        const batch = await unreferencedStatusesAfter(ctx, cutoff, afterId, BATCH);
        if (batch.length === 0) break;
        removed += dryRun ? batch.length : await removeStatuses(ctx, batch);
        progress.increment(batch.length);
        afterId = batch.at(-1)!.id;
      }
      progress.stop();
      return output(`OK, removed ${plural(removed, 'status', 'statuses')}${dryRun ? ' (DRY RUN)' : ''}`);
    },
  };
}

export const statusesCommand = commandWithSubcommands('statuses', { remove: prepareRemove });
