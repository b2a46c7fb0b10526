import type { AppContext } from '../../context.ts';
import { updateSetting, type RegistrationsMode } from '../../services/accounts/settings.ts';
import { onePositional, output, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { commandUsage } from '../usage.ts';

export const SETTINGS_USAGE = commandUsage('settings');

/** tootctl's names for the registration modes. */
const MODES: Record<string, RegistrationsMode> = { open: 'open', approved: 'approved', close: 'none' };

export const settingsCommand: AdminCommand = {
  name: 'settings',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('settings needs a subcommand', SETTINGS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h' || wantsHelp(rest)) return { help: SETTINGS_USAGE };
    if (sub !== 'registrations') throw new UsageError(`unknown settings command: ${sub}`, SETTINGS_USAGE);
    const { values, positionals } = parseOptions(SETTINGS_USAGE, rest, { 'require-reason': { type: 'boolean' } });
    const given = onePositional(positionals, 'open, approved or close', SETTINGS_USAGE);
    const mode = Object.hasOwn(MODES, given) ? MODES[given]! : undefined;
    if (!mode) throw new UsageError(`unknown registrations mode "${given}"; use open, approved or close`, SETTINGS_USAGE);
    if (mode === 'none' && values['require-reason']) throw new UsageError('--require-reason goes with open or approved', SETTINGS_USAGE);
    return {
      async run(ctx) {
        await updateSetting(ctx, 'registrations_mode', mode);
        // like tootctl, opening sign-ups also sets whether a reason is asked for
        if (mode !== 'none') await updateSetting(ctx, 'require_invite_text', !!values['require-reason']);
        return output('OK');
      },
    };
  },
};

/** `subspace settings …` as one call: parse, then run against `ctx`. */
export async function settings(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['settings', ...args]);
}
