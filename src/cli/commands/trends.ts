import { REVIEW_KINDS, listTrends, reviewTrend, type ReviewKind } from '../../services/trends/review.ts';
import { updateSetting } from '../../services/accounts/settings.ts';
import { CommandError, onePositional, output, parseOptions, wantsHelp, type AdminCommand, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

const LINES = ADMIN_USAGE.trends;
export const TRENDS_USAGE = commandUsage('trends');

const LIST_KINDS: Record<string, ReviewKind> = { tags: 'tag', links: 'link', statuses: 'status' };

function prepareList(args: string[]): Prepared {
  const text = usage(LINES.list);
  const { positionals } = parseOptions(text, args, {});
  if (positionals.length > 1) throw new UsageError('list takes at most one kind', text);
  const [given] = positionals;
  const kind = given === undefined ? undefined : Object.hasOwn(LIST_KINDS, given) ? LIST_KINDS[given] : undefined;
  if (given !== undefined && !kind) throw new UsageError(`unknown kind "${given}"; use tags, links or statuses`, text);
  return {
    async run(ctx) {
      const rows = await listTrends(ctx, kind ? [kind] : REVIEW_KINDS);
      if (rows.length === 0) return output('Nothing trends.');
      return output(rows.map((row) => `${row.kind.padEnd(6)}  ${row.id}  ${row.state.padEnd(8)}  ${row.score.toFixed(2).padStart(9)}  #${row.rank}  ${row.name}`).join('\n'));
    },
  };
}

function prepareReview(trendable: boolean): (args: string[]) => Prepared {
  return (args) => {
    const text = usage(trendable ? LINES.approve : LINES.reject);
    const { positionals } = parseOptions(text, args, {});
    if (positionals.length !== 2) throw new UsageError('give a kind (tag, link, status or account) and what to review', text);
    const [kind, key] = positionals as [string, string];
    if (!(REVIEW_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown kind "${kind}"; use tag, link, status or account`, text);
    return {
      async run(ctx) {
        const reviewed = await reviewTrend(ctx, kind as ReviewKind, key, trendable);
        if (!reviewed) throw new CommandError(`no ${kind} ${key}`);
        return output(`OK: ${reviewed} ${trendable ? 'may trend' : 'will not trend'}`);
      },
    };
  };
}

function prepareSetting(name: 'trends' | 'trendable_by_default', value: boolean | undefined, line: string): (args: string[]) => Prepared {
  return (args) => {
    const text = usage(line);
    const { positionals } = parseOptions(text, args, {});
    let setting = value;
    if (setting === undefined) {
      const given = onePositional(positionals, 'yes or no', text);
      if (given !== 'yes' && given !== 'no') throw new UsageError(`use yes or no, not "${given}"`, text);
      // review required means nothing trends by default
      setting = given === 'no';
    } else if (positionals.length > 0) throw new UsageError('takes no arguments', text);
    const stored = setting;
    return {
      async run(ctx) {
        await updateSetting(ctx, name, stored);
        return output('OK');
      },
    };
  };
}

export const trendsCommand: AdminCommand = {
  name: 'trends',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('trends needs a subcommand', TRENDS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: TRENDS_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      list: [prepareList, LINES.list],
      approve: [prepareReview(true), LINES.approve],
      reject: [prepareReview(false), LINES.reject],
      enable: [prepareSetting('trends', true, LINES.enable), LINES.enable],
      disable: [prepareSetting('trends', false, LINES.disable), LINES.disable],
      'review-required': [prepareSetting('trendable_by_default', undefined, LINES['review-required']), LINES['review-required']],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown trends command: ${sub}`, TRENDS_USAGE);
    if (wantsHelp(rest)) return { help: usage(handler[1]) };
    return handler[0](rest);
  },
};
