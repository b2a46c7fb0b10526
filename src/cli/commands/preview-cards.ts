import { countStalePreviewCardImages, removePreviewCardImage, stalePreviewCardsAfter } from '../../services/maintenance/preview-card-images.ts';
import { BATCH, plural, positiveInteger, walkBatches } from '../batches.ts';
import { humanSize } from '../human-size.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { commandWithSubcommands } from '../subcommands.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

const DAY_MS = 24 * 3600 * 1000;

/** `subspace preview_cards remove [--days N] [--link]`: the thumbnails of cards fetched more than N days (180) ago. */
function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.preview_cards.remove);
  const { values, positionals } = parseOptions(text, args, {
    days: { type: 'string' },
    link: { type: 'boolean' },
    concurrency: { type: 'string', short: 'c' },
    'dry-run': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const days = positiveInteger(values.days, 'days', text, 180);
  const concurrency = positiveInteger(values.concurrency, 'concurrency', text, 5);
  const dryRun = !!values['dry-run'];
  const linkOnly = !!values.link;
  return {
    async run(ctx, progress) {
      const cutoff = new Date(Date.now() - days * DAY_MS);
      progress.start(await countStalePreviewCardImages(ctx, cutoff, linkOnly));
      let removed = 0;
      let bytes = 0;
      // a dry run removes nothing, so the walk goes on after each batch; a real one finds the rest after the last id too
      await walkBatches(
        (afterId) => stalePreviewCardsAfter(ctx, cutoff, linkOnly, afterId, BATCH),
        concurrency,
        async (card) => {
          if (dryRun || (await removePreviewCardImage(ctx, card.id))) {
            removed++;
            bytes += card.size;
          }
        },
        progress,
      );
      progress.stop();
      return output(`OK, removed the images of ${plural(removed, 'preview card')} (approx. ${humanSize(bytes)})${dryRun ? ' (DRY RUN)' : ''}`);
    },
  };
}

export const previewCardsCommand = commandWithSubcommands('preview_cards', { remove: prepareRemove });
