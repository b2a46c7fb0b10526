import { BATCH, plural, walkBatches } from '../batches.ts';
import { output, parseOptions, wantsHelp, type AdminCommand } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

const TEXT = usage(ADMIN_USAGE['self-destruct']['self-destruct']);

/**
 * `subspace self-destruct --confirm DOMAIN` (tootctl self-destruct): every local account's Delete to
 * every known server, and the accounts suspended. --confirm must name this instance's domain, so
 * that it is never run against the wrong one by accident.
 */
export const selfDestructCommand: AdminCommand = {
  name: 'self-destruct',
  prepare(args) {
    if (wantsHelp(args)) return { help: commandUsage('self-destruct') };
    const { values, positionals } = parseOptions(TEXT, args, { confirm: { type: 'string' }, 'dry-run': { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, TEXT);
    if (!values.confirm) throw new UsageError('this deletes every local account from the fediverse: confirm with --confirm and the instance domain', TEXT);
    const dryRun = !!values['dry-run'];
    return {
      async run(ctx, progress) {
        if (values.confirm!.toLowerCase() !== ctx.config.localDomain) throw new UsageError(`--confirm ${values.confirm} is not this instance's domain (${ctx.config.localDomain})`, TEXT);
        const { accountsToDestroyAfter, countAccountsToDestroy, destroyLocalAccount } = await import('../../federation/self-destruct.ts');
        const total = await countAccountsToDestroy(ctx);
        progress.start(total);
        let done = 0;
        await walkBatches(
          (afterId) => accountsToDestroyAfter(ctx, afterId, BATCH),
          1,
          async (account) => {
            if (!dryRun) await destroyLocalAccount(ctx, account);
            done++;
          },
          progress,
        );
        progress.stop();
        if (dryRun) return output(`${plural(done, 'local account')} would be deleted from the fediverse (DRY RUN)`);
        return output(
          `Queued the Delete of ${plural(done, 'local account')} to every known server, and suspended them.
Keep the workers running until the push queue is empty (the deliveries are retried for days), then stop
the instance; running this again finishes an interrupted run.`,
        );
      },
    };
  },
};
