import { plural, positiveInteger } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/**
 * `subspace search deploy [--batch-size N]` (tootctl search deploy): writes every status's search
 * document again, a batch per statement, on a progress bar. Accounts and hashtags need nothing:
 * their trigram indexes are on the names themselves.
 */
function prepareDeploy(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.search.deploy);
  const { values, positionals } = parseOptions(text, args, { 'batch-size': { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const batchSize = positiveInteger(values['batch-size'], 'batch-size', text, 1000);
  return {
    async run(ctx, progress) {
      const { countSearchableStatuses, finishSearchDocuments, rebuildSearchDocuments } = await import('../../services/search/rebuild-documents.ts');
      progress.start(await countSearchableStatuses(ctx));
      let total = 0;
      let afterId: string | undefined;
      for (;;) {
        const { written, lastId } = await rebuildSearchDocuments(ctx, afterId, batchSize);
        if (written === 0 || !lastId) break;
        total += written;
        progress.increment(written);
        afterId = lastId;
      }
      await finishSearchDocuments(ctx);
      progress.stop();
      return output(`OK, indexed ${plural(total, 'status', 'statuses')}`);
    },
  };
}

export const searchCommand = commandWithSubcommands('search', { deploy: prepareDeploy });
