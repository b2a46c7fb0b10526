import type { AdminCommand, Prepared } from './admin.ts';
import { wantsHelp } from './args.ts';
import { UsageError } from './usage-error.ts';
import { type ADMIN_USAGE, type AdminCommandName, commandUsage, subcommandHelp } from './usage.ts';

/**
 * A command made of sub-commands (`subspace cache clear|recount`): dispatches to the sub-command's
 * parser, and answers `help`/`--help` from usage.ts.
 */
export function commandWithSubcommands<N extends AdminCommandName>(name: N, parsers: Record<keyof (typeof ADMIN_USAGE)[N], (args: string[]) => Prepared>): AdminCommand {
  const whole = commandUsage(name);
  const table: Record<string, (args: string[]) => Prepared> = parsers;
  return {
    name,
    prepare(args) {
      const [sub, ...rest] = args;
      if (sub === undefined) throw new UsageError(`${name} needs a subcommand`, whole);
      if (sub === 'help' || sub === '--help' || sub === '-h') return { help: whole };
      if (!Object.hasOwn(table, sub)) throw new UsageError(`unknown ${name} command: ${sub}`, whole);
      if (wantsHelp(rest)) return { help: subcommandHelp(name, sub) };
      return table[sub]!(rest);
    },
  };
}
