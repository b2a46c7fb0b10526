import { BATCH, plural, positiveInteger, walkBatches } from '../batches.ts';
import { output, parseOptions, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/**
 * `subspace domains purge DOMAIN…` (tootctl domains purge): every account of the domains is removed
 * with its statuses and files, and the domains' custom emoji and cached media go. Stopped half-way,
 * a second run removes what is left.
 */
export function prepareDomainsPurge(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.domains.purge);
  const { values, positionals } = parseOptions(text, args, { concurrency: { type: 'string', short: 'c' }, 'dry-run': { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('missing DOMAIN', text);
  const domains = positionals.map((domain) => domain.trim().toLowerCase());
  const concurrency = positiveInteger(values.concurrency, 'concurrency', text, 5);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress) {
      // imported when it runs: the other `domains` commands load none of it
      const { countRemoteAccounts, remoteAccountsAfter, removeRemoteAccount } = await import('../../services/accounts/remote-account-cleanup.ts');
      const { clearDomainMedia } = await import('../../services/moderation/clear-domain-media.ts');
      let total = 0;
      for (const domain of domains) total += await countRemoteAccounts(ctx, { domain });
      progress.start(total);
      let emoji = 0;
      for (const domain of domains) {
        if (!dryRun) emoji += (await clearDomainMedia(ctx, domain)).emoji;
        await walkBatches(
          (afterId) => remoteAccountsAfter(ctx, { domain }, afterId, BATCH),
          concurrency,
          async (account) => {
            if (!dryRun) await removeRemoteAccount(ctx, account.id);
          },
          progress,
        );
      }
      progress.stop();
      return output(`OK, removed ${plural(total, 'account')} and ${plural(emoji, 'custom emoji', 'custom emoji')} of ${domains.join(', ')}${dryRun ? ' (DRY RUN)' : ''}`);
    },
  };
}
