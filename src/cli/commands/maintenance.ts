import { duplicateRemoteAccounts, mergeDuplicateAccounts } from '../../services/maintenance/duplicate-accounts.ts';
import { plural } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/** `subspace maintenance fix-duplicates` (tootctl maintenance fix-duplicates): remote accounts stored twice merged. */
function prepareFixDuplicates(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.maintenance['fix-duplicates']);
  const { values, positionals } = parseOptions(text, args, { 'dry-run': { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  return {
    async run(ctx, progress) {
      const groups = await duplicateRemoteAccounts(ctx);
      progress.start(groups.length);
      for (const group of groups) {
        if (!values['dry-run']) await mergeDuplicateAccounts(ctx, group);
        progress.increment();
      }
      progress.stop();
      const merged = groups.reduce((sum, group) => sum + group.duplicates.length, 0);
      const lines = groups.map((group) => `${group.uri}: kept ${group.keep}, merged ${group.duplicates.join(', ')}`);
      return output([...lines, `OK, merged ${plural(merged, 'duplicate account')}${values['dry-run'] ? ' (DRY RUN)' : ''}`].join('\n'));
    },
  };
}

export const maintenanceCommand = commandWithSubcommands('maintenance', { 'fix-duplicates': prepareFixDuplicates });
