import type { AppContext } from '../../context.ts';
import { rowId } from '../../lib/ids.ts';
import { addRule, instanceRules, removeRule } from '../../services/instance/rules.ts';
import { CommandError, onePositional, output, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

export const RULES_USAGE = commandUsage('rules');

function prepareAdd(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.rules.add);
  const { values, positionals } = parseOptions(text, args, { hint: { type: 'string' }, priority: { type: 'string' } });
  const ruleText = onePositional(positionals, 'TEXT', text);
  const priority = values.priority === undefined ? 0 : Number(values.priority);
  if (!Number.isInteger(priority) || Math.abs(priority) > 2 ** 31 - 1) throw new UsageError(`--priority is not a whole number: ${values.priority}`, text);
  return {
    async run(ctx) {
      const rule = await addRule(ctx, { text: ruleText, hint: values.hint, priority });
      return output(`OK\nID: ${rule.id}`);
    },
  };
}

function prepareList(args: string[]): Prepared {
  parseOptions(usage(ADMIN_USAGE.rules.list), args, {});
  return {
    async run(ctx) {
      const rules = await instanceRules(ctx);
      if (rules.length === 0) return output('No rules.');
      const width = Math.max(...rules.map((rule) => rule.id.length));
      return output(rules.map((rule, i) => `${rule.id.padEnd(width)}  ${i + 1}. ${rule.text}${rule.hint ? ` (${rule.hint})` : ''}`).join('\n'));
    },
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.rules.remove);
  const { positionals } = parseOptions(text, args, {});
  const given = onePositional(positionals, 'ID', text);
  const id = rowId(given);
  if (!id) throw new UsageError(`not a rule id: ${given}`, text);
  return {
    async run(ctx) {
      if (!(await removeRule(ctx, id))) throw new CommandError(`no rule with id ${id}`);
      return output('OK');
    },
  };
}

/** `subspace rules add|list|remove`: the instance's rules, shown on /about, at sign-up and in the API (Mastodon's admin rules page). */
export const rulesCommand: AdminCommand = {
  name: 'rules',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('rules needs a subcommand', RULES_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: RULES_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      add: [prepareAdd, ADMIN_USAGE.rules.add],
      list: [prepareList, ADMIN_USAGE.rules.list],
      remove: [prepareRemove, ADMIN_USAGE.rules.remove],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown rules command: ${sub}`, RULES_USAGE);
    if (wantsHelp(rest)) return { help: usage(handler[1]) };
    return handler[0](rest);
  },
};

/** `subspace rules …` as one call: parse, then run against `ctx`. */
export function rulesCli(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['rules', ...args]);
}
