import type { AppContext } from '../../context.ts';
import { approveAllPending, approveUser } from '../../services/accounts/approve-account.ts';
import { createLocalAccount } from '../../services/accounts/create-account.ts';
import { findLocalUser, generatePassword, type LocalUser } from '../../services/accounts/local-users.ts';
import { modifyUser, type UserChanges } from '../../services/accounts/modify-user.ts';
import { ROLES, type RoleName } from '../../services/accounts/roles.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { CommandError, onePositional, output, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, subcommandHelp, usage } from '../usage.ts';
import { prepareBackup, prepareCull, preparePrune, prepareRefresh, prepareRotate } from './accounts-maintenance.ts';

// most powerful first, as tootctl lists them
const ROLE_NAMES = (['Owner', 'Admin', 'Moderator'] as RoleName[]).filter((name) => Object.hasOwn(ROLES, name));

const { create: CREATE_USAGE, modify: MODIFY_USAGE, delete: DELETE_USAGE, approve: APPROVE_USAGE } = ADMIN_USAGE.accounts;

export const ACCOUNTS_USAGE = commandUsage('accounts');

/** A role name, matched case-insensitively (`admin` is the Admin role). */
function parseRole(value: string, usageText: string): RoleName {
  const role = ROLE_NAMES.find((name) => name.toLowerCase() === value.toLowerCase());
  if (!role) throw new UsageError(`unknown role "${value}"; roles are ${ROLE_NAMES.join(', ')}`, usageText);
  return role;
}

async function localUser(ctx: AppContext, username: string): Promise<LocalUser> {
  const found = await findLocalUser(ctx, username);
  if (!found) throw new CommandError(`no local account named "${username}"`);
  return found;
}

function prepareCreate(args: string[]): Prepared {
  const text = usage(CREATE_USAGE);
  const { values, positionals } = parseOptions(text, args, { email: { type: 'string' }, role: { type: 'string' }, confirmed: { type: 'boolean' }, approve: { type: 'boolean' } });
  const username = onePositional(positionals, 'USERNAME', text);
  if (!values.email) throw new UsageError('--email is required', text);
  const role = values.role === undefined ? null : parseRole(values.role, text);
  const email = values.email;
  return {
    async run(ctx) {
      // as in Mastodon, an account made while sign-ups need approval waits for it unless --approve says otherwise
      const { registrations_mode } = await getSettings(ctx);
      const approved = !!values.approve || registrations_mode !== 'approved';
      const password = generatePassword();
      await createLocalAccount(ctx, { username, email, password, role, confirmed: !!values.confirmed, approved, allowReserved: true });
      const notes = [
        values.confirmed ? null : `${email} must confirm the address before @${username} can sign in (or run: subspace accounts modify ${username} --confirm)`,
        approved ? null : `@${username} waits for approval (subspace accounts approve ${username})`,
      ].filter(Boolean);
      return { ...output(`OK\nNew password: ${password}`), stderr: notes.map((note) => `${note}\n`).join('') };
    },
  };
}

function prepareModify(args: string[]): Prepared {
  const text = usage(MODIFY_USAGE);
  const { values, positionals } = parseOptions(text, args, {
    role: { type: 'string' },
    'remove-role': { type: 'boolean' },
    email: { type: 'string' },
    confirm: { type: 'boolean' },
    approve: { type: 'boolean' },
    disable: { type: 'boolean' },
    enable: { type: 'boolean' },
    'reset-password': { type: 'boolean' },
    'disable-2fa': { type: 'boolean' },
  });
  const username = onePositional(positionals, 'USERNAME', text);
  if (values.role !== undefined && values['remove-role']) throw new UsageError('--role and --remove-role cannot be combined', text);
  if (values.disable && values.enable) throw new UsageError('--disable and --enable cannot be combined', text);
  const changes: UserChanges = {};
  if (values.role !== undefined) changes.role = parseRole(values.role, text);
  if (values['remove-role']) changes.role = null;
  if (values.email !== undefined) changes.email = values.email;
  if (values.confirm) changes.confirm = true;
  if (values.approve) changes.approve = true;
  if (values.disable) changes.disabled = true;
  if (values.enable) changes.disabled = false;
  if (values['disable-2fa']) changes.disableTwoFactor = true;
  const resetPassword = !!values['reset-password'];
  if (Object.keys(changes).length === 0 && !resetPassword) throw new UsageError('nothing to change: give at least one option', text);
  return {
    async run(ctx) {
      const { user } = await localUser(ctx, username);
      const password = resetPassword ? generatePassword() : undefined;
      await modifyUser(ctx, user, { ...changes, password });
      return output(password ? `OK\nNew password: ${password}` : 'OK');
    },
  };
}

function prepareDelete(args: string[]): Prepared {
  const text = usage(DELETE_USAGE);
  const { positionals } = parseOptions(text, args, {});
  const username = onePositional(positionals, 'USERNAME', text);
  return {
    async run(ctx) {
      const { account } = await localUser(ctx, username);
      // imported here: deleting federates, and the federation modules are most of the CLI's load time
      const { deleteLocalAccountAndAnnounce } = await import('../../federation/deliver-account-deletion.ts');
      await deleteLocalAccountAndAnnounce(ctx, account.id);
      return output('OK');
    },
  };
}

function prepareApprove(args: string[]): Prepared {
  const text = usage(APPROVE_USAGE);
  const { values, positionals } = parseOptions(text, args, { all: { type: 'boolean' } });
  if (values.all) {
    if (positionals.length > 0) throw new UsageError('give a USERNAME or --all, not both', text);
    return {
      async run(ctx): Promise<CommandResult> {
        const count = await approveAllPending(ctx);
        return output(`OK, approved ${count} ${count === 1 ? 'account' : 'accounts'}`);
      },
    };
  }
  const username = onePositional(positionals, 'USERNAME or --all', text);
  return {
    async run(ctx) {
      const { user } = await localUser(ctx, username);
      const changed = await approveUser(ctx, user.id);
      return output(changed ? 'OK' : `OK (@${username} was already approved)`);
    },
  };
}

export const accountsCommand: AdminCommand = {
  name: 'accounts',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('accounts needs a subcommand', ACCOUNTS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: ACCOUNTS_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      create: [prepareCreate, CREATE_USAGE],
      modify: [prepareModify, MODIFY_USAGE],
      delete: [prepareDelete, DELETE_USAGE],
      approve: [prepareApprove, APPROVE_USAGE],
      rotate: [prepareRotate, ADMIN_USAGE.accounts.rotate],
      cull: [prepareCull, ADMIN_USAGE.accounts.cull],
      refresh: [prepareRefresh, ADMIN_USAGE.accounts.refresh],
      prune: [preparePrune, ADMIN_USAGE.accounts.prune],
      backup: [prepareBackup, ADMIN_USAGE.accounts.backup],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown accounts command: ${sub}`, ACCOUNTS_USAGE);
    if (wantsHelp(rest)) return { help: subcommandHelp('accounts', sub) };
    return handler[0](rest);
  },
};

/** `subspace accounts …` as one call: parse, then run against `ctx`. */
export async function accounts(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['accounts', ...args]);
}
