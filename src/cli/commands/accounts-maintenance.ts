import { and, asc, gt, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { findLocalUser } from '../../services/accounts/local-users.ts';
import type { RemoteAccountRef } from '../../services/accounts/remote-account-cleanup.ts';
import { BATCH, plural, positiveInteger, walkBatches } from '../batches.ts';
import { CommandError, onePositional, output, parseOptions, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, usage } from '../usage.ts';

/*
 * tootctl's account maintenance: `accounts rotate|cull|refresh|prune|backup`. The long ones walk the
 * accounts in id order a batch at a time with a progress bar; stopped half-way, a second run does
 * what is left (what was removed is gone, what is refreshed again costs one fetch).
 */

const federation = () => import('../../federation/account-maintenance.ts');
// imported when a command runs: `accounts create` and the others load none of it
const cleanup = () => import('../../services/accounts/remote-account-cleanup.ts');

/** `accounts rotate USERNAME | --all`: new key pairs, and an Update of the actor to followers' servers. */
export function prepareRotate(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.accounts.rotate);
  const { values, positionals } = parseOptions(text, args, { all: { type: 'boolean' } });
  if (values.all && positionals.length > 0) throw new UsageError('give a USERNAME or --all, not both', text);
  const username = values.all ? undefined : onePositional(positionals, 'USERNAME or --all', text);
  return {
    async run(ctx, progress) {
      const { rotateAccountKeys } = await federation();
      if (username !== undefined) {
        const found = await findLocalUser(ctx, username);
        if (!found) throw new CommandError(`no local account named "${username}"`);
        await rotateAccountKeys(ctx, found.account.id);
        return output('OK');
      }
      const local = isNull(accounts.domain);
      const [{ count }] = (await ctx.db.select({ count: sql<number>`count(*)::int` }).from(accounts).where(local)) as [{ count: number }];
      progress.start(count);
      let rotated = 0;
      await walkBatches(
        (afterId) =>
          ctx.db
            .select({ id: accounts.id })
            .from(accounts)
            .where(and(local, afterId ? gt(accounts.id, afterId) : undefined))
            .orderBy(asc(accounts.id))
            .limit(BATCH),
        1,
        async ({ id }) => {
          if (await rotateAccountKeys(ctx, id)) rotated++;
        },
        progress,
      );
      progress.stop();
      return output(`OK, rotated the keys of ${plural(rotated, 'account')}`);
    },
  };
}

/** `accounts cull [DOMAIN…]`: remote accounts whose server answers 404 or 410 for them are removed. */
export function prepareCull(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.accounts.cull);
  const { values, positionals } = parseOptions(text, args, { concurrency: { type: 'string', short: 'c' }, 'dry-run': { type: 'boolean' } });
  const concurrency = positiveInteger(values.concurrency, 'concurrency', text, 5);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress) {
      const { remoteActorState } = await federation();
      const { countRemoteAccounts, remoteAccountsAfter, removeRemoteAccount } = await cleanup();
      const scopes = positionals.length > 0 ? positionals.map((domain) => ({ domain })) : [{}];
      let total = 0;
      for (const scope of scopes) total += await countRemoteAccounts(ctx, scope);
      progress.start(total);
      const removed: RemoteAccountRef[] = [];
      const unreachable = new Set<string>();
      for (const scope of scopes) {
        await walkBatches(
          // a removed account is no longer after the cursor's accounts: the walk never skips one
          (afterId) => remoteAccountsAfter(ctx, scope, afterId, BATCH),
          concurrency,
          async (account) => {
            const state = await remoteActorState(ctx, account.uri);
            if (state === 'unknown') unreachable.add(account.domain);
            if (state !== 'gone') return;
            removed.push(account);
            if (!dryRun) await removeRemoteAccount(ctx, account.id);
          },
          progress,
        );
      }
      progress.stop();
      const lines = [`Visited ${plural(total, 'account')}, removed ${plural(removed.length, 'account')}${dryRun ? ' (DRY RUN)' : ''}`];
      if (unreachable.size > 0) lines.push(`No clear answer from these domains (their accounts were kept): ${[...unreachable].sort().join(', ')}`);
      return output(lines.join('\n'));
    },
  };
}

/** The remote account `user@domain` names. */
async function remoteAccountByHandle(ctx: AppContext, handle: string): Promise<RemoteAccountRef | undefined> {
  const [username, domain] = handle.replace(/^@/, '').split('@');
  if (!username || !domain) return undefined;
  const [row] = await ctx.db
    .select({ id: accounts.id, uri: accounts.uri, domain: accounts.domain })
    .from(accounts)
    .where(and(sql`lower(${accounts.username}) = lower(${username})`, sql`lower(${accounts.domain}) = lower(${domain})`))
    .limit(1);
  return row ? { ...row, domain: row.domain! } : undefined;
}

/** `accounts refresh USER@DOMAIN… | --domain DOMAIN | --all`: remote profiles fetched again (and their avatars and headers). */
export function prepareRefresh(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.accounts.refresh);
  const { values, positionals } = parseOptions(text, args, {
    all: { type: 'boolean' },
    domain: { type: 'string' },
    concurrency: { type: 'string', short: 'c' },
    'dry-run': { type: 'boolean' },
  });
  const chosen = [positionals.length > 0, !!values.all, values.domain !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('give USER@DOMAIN…, --domain DOMAIN or --all', text);
  const concurrency = positiveInteger(values.concurrency, 'concurrency', text, 5);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress) {
      const { refreshRemoteAccount } = await import('../../federation/resolve-account.ts');
      const { countRemoteAccounts, remoteAccountsAfter } = await cleanup();
      const refresh = async (account: RemoteAccountRef) => {
        if (!dryRun) await refreshRemoteAccount(ctx, { accountId: account.id });
      };
      if (positionals.length > 0) {
        const found: RemoteAccountRef[] = [];
        for (const handle of positionals) {
          const account = await remoteAccountByHandle(ctx, handle);
          if (!account) throw new CommandError(`no remote account ${handle}`);
          found.push(account);
        }
        for (const account of found) await refresh(account);
        return output(`OK, refreshed ${plural(found.length, 'account')}${dryRun ? ' (DRY RUN)' : ''}`);
      }
      const scope = { domain: values.domain };
      const total = await countRemoteAccounts(ctx, scope);
      progress.start(total);
      await walkBatches((afterId) => remoteAccountsAfter(ctx, scope, afterId, BATCH), concurrency, refresh, progress);
      progress.stop();
      return output(`OK, refreshed ${plural(total, 'account')}${dryRun ? ' (DRY RUN)' : ''}`);
    },
  };
}

/** `accounts prune`: remote accounts nothing here refers to are removed. */
export function preparePrune(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.accounts.prune);
  const { values, positionals } = parseOptions(text, args, { 'dry-run': { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress) {
      const { countUnreferencedRemoteAccounts, removeRemoteAccount, unreferencedRemoteAccountsAfter } = await cleanup();
      const total = await countUnreferencedRemoteAccounts(ctx);
      progress.start(total);
      let removed = 0;
      await walkBatches(
        (afterId) => unreferencedRemoteAccountsAfter(ctx, afterId, BATCH),
        1,
        async (account) => {
          if (dryRun || (await removeRemoteAccount(ctx, account.id))) removed++;
        },
        progress,
      );
      progress.stop();
      return output(`OK, removed ${plural(removed, 'account')}${dryRun ? ' (DRY RUN)' : ''}`);
    },
  };
}

/** `accounts backup USERNAME`: an archive of a member's account, built by the BackupWorker job (tootctl accounts backup). */
export function prepareBackup(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.accounts.backup);
  const { positionals } = parseOptions(text, args, {});
  const username = onePositional(positionals, 'USERNAME', text);
  return {
    async run(ctx) {
      const found = await findLocalUser(ctx, username);
      if (!found) throw new CommandError(`no local account named "${username}"`);
      const { requestBackup } = await import('../../services/exports/backups.ts');
      const backup = await requestBackup(ctx, found.user.id, { anyTime: true });
      return output(`OK, archive ${backup.id} requested; it is mailed to ${found.user.email} when ready`);
    },
  };
}
