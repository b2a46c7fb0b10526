import type { AppContext } from '../../context.ts';
import { updateSetting, type RegistrationsMode } from '../../services/accounts/settings.ts';
import { readFile } from 'node:fs/promises';
import { CommandError, onePositional, output, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

export const SETTINGS_USAGE = commandUsage('settings');

/** tootctl's names for the registration modes. */
const MODES: Record<string, RegistrationsMode> = { open: 'open', approved: 'approved', close: 'none' };

function prepareRegistrations(rest: string[]): Prepared {
  const text = usage(ADMIN_USAGE.settings.registrations);
  const { values, positionals } = parseOptions(text, rest, { 'require-reason': { type: 'boolean' } });
  const given = onePositional(positionals, 'open, approved or close', text);
  const mode = Object.hasOwn(MODES, given) ? MODES[given]! : undefined;
  if (!mode) throw new UsageError(`unknown registrations mode "${given}"; use open, approved or close`, text);
  if (mode === 'none' && values['require-reason']) throw new UsageError('--require-reason goes with open or approved', text);
  return {
    async run(ctx) {
      await updateSetting(ctx, 'registrations_mode', mode);
      // like tootctl, opening sign-ups also sets whether a reason is asked for
      if (mode !== 'none') await updateSetting(ctx, 'require_invite_text', !!values['require-reason']);
      return output('OK');
    },
  };
}

/** The privacy policy from a Markdown file (`%{domain}` stands for the domain), or back to the default text. */
function preparePrivacyPolicy(rest: string[]): Prepared {
  const text = usage(ADMIN_USAGE.settings['privacy-policy']);
  const { values, positionals } = parseOptions(text, rest, { default: { type: 'boolean' } });
  if (values.default && positionals.length > 0) throw new UsageError('give a FILE or --default, not both', text);
  const file = values.default ? undefined : onePositional(positionals, 'FILE', text);
  return {
    async run(ctx) {
      let policy = '';
      if (file !== undefined) {
        policy = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new CommandError(`cannot read ${file}: ${error.code ?? error.message}`);
        });
        if (!policy.trim()) throw new CommandError(`${file} is empty; use --default for the default policy`);
      }
      await updateSetting(ctx, 'site_terms', policy);
      return output('OK');
    },
  };
}

export const settingsCommand: AdminCommand = {
  name: 'settings',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('settings needs a subcommand', SETTINGS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h' || wantsHelp(rest)) {
      return { help: sub === 'registrations' || sub === 'privacy-policy' ? usage(ADMIN_USAGE.settings[sub]) : SETTINGS_USAGE };
    }
    if (sub === 'registrations') return prepareRegistrations(rest);
    if (sub === 'privacy-policy') return preparePrivacyPolicy(rest);
    throw new UsageError(`unknown settings command: ${sub}`, SETTINGS_USAGE);
  },
};

/** `subspace settings …` as one call: parse, then run against `ctx`. */
export async function settings(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['settings', ...args]);
}
