import { parseArgs } from 'node:util';
import type { AppContext } from '../../context.ts';
import { rowId } from '../../lib/ids.ts';
import {
  allAnnouncements,
  announcementProblems,
  createAnnouncement,
  deleteAnnouncement,
  publishAnnouncement,
  unpublishAnnouncement,
  type AnnouncementRow,
  type NewAnnouncement,
} from '../../services/instance/announcements.ts';
import { CommandError, onePositional, output, parseCommandArgs, parseOptions, runAdminCommand, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

const { create: CREATE_USAGE, list: LIST_USAGE } = ADMIN_USAGE.announcements;

export const ANNOUNCEMENTS_USAGE = commandUsage('announcements');

/** An ISO 8601 date or date-time; undefined when the option was not given. */
function isoDate(value: string | undefined, option: string, usageText: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) throw new UsageError(`--${option} is not an ISO 8601 date: ${value}`, usageText);
  return date;
}

function prepareCreate(args: string[]): Prepared {
  const text = usage(CREATE_USAGE);
  const { values, positionals } = parseOptions(text, args, { 'starts-at': { type: 'string' }, 'ends-at': { type: 'string' }, 'all-day': { type: 'boolean' }, 'scheduled-at': { type: 'string' } });
  const input: NewAnnouncement = {
    text: onePositional(positionals, 'TEXT', text),
    startsAt: isoDate(values['starts-at'], 'starts-at', text) ?? null,
    endsAt: isoDate(values['ends-at'], 'ends-at', text) ?? null,
    allDay: !!values['all-day'],
    scheduledAt: isoDate(values['scheduled-at'], 'scheduled-at', text) ?? null,
  };
  const problems = announcementProblems(input);
  if (problems.length > 0) throw new UsageError(problems.join(', '), text);
  return {
    async run(ctx) {
      const created = await createAnnouncement(ctx, input);
      return output(`OK\nID: ${created.id}\n${created.published ? 'Published' : `Scheduled for ${created.scheduledAt!.toISOString()}`}`);
    },
  };
}

function state(row: AnnouncementRow): string {
  if (row.published) return `published ${row.publishedAt?.toISOString() ?? ''}`.trim();
  return row.scheduledAt ? `scheduled ${row.scheduledAt.toISOString()}` : 'unpublished';
}

function excerpt(text: string): string {
  const [first = ''] = text.trim().split('\n');
  return first.length > 60 || text.trim().includes('\n') ? `${first.slice(0, 60)}…` : first;
}

function prepareList(args: string[]): Prepared {
  parseCommandArgs(usage(LIST_USAGE), () => parseArgs({ args, allowPositionals: false, strict: true, options: {} }));
  return {
    async run(ctx) {
      const rows = await allAnnouncements(ctx);
      if (rows.length === 0) return output('No announcements.');
      const width = Math.max(...rows.map((row) => row.id.length));
      const states = rows.map(state);
      const stateWidth = Math.max(...states.map((s) => s.length));
      return output(rows.map((row, i) => `${row.id.padEnd(width)}  ${states[i]!.padEnd(stateWidth)}  ${excerpt(row.text)}`).join('\n'));
    },
  };
}

type Change = (ctx: AppContext, id: string) => Promise<{ changed: boolean } | boolean | undefined>;

/** publish, unpublish and delete: one ID, and a line saying what happened. */
function prepareChange(verb: 'publish' | 'unpublish' | 'delete', change: Change, unchanged?: string) {
  return (args: string[]): Prepared => {
    const text = usage(ADMIN_USAGE.announcements[verb]);
    const { positionals } = parseOptions(text, args, {});
    const given = onePositional(positionals, 'ID', text);
    const id = rowId(given);
    if (!id) throw new UsageError(`not an announcement id: ${given}`, text);
    return {
      async run(ctx): Promise<CommandResult> {
        const result = await change(ctx, id);
        if (!result) throw new CommandError(`no announcement with id ${id}`);
        return output(typeof result === 'object' && !result.changed ? `OK (${unchanged})` : 'OK');
      },
    };
  };
}

export const announcementsCommand: AdminCommand = {
  name: 'announcements',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('announcements needs a subcommand', ANNOUNCEMENTS_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: ANNOUNCEMENTS_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      create: [prepareCreate, CREATE_USAGE],
      list: [prepareList, LIST_USAGE],
      publish: [prepareChange('publish', publishAnnouncement, 'it was already published'), ADMIN_USAGE.announcements.publish],
      unpublish: [prepareChange('unpublish', unpublishAnnouncement, 'it was not published'), ADMIN_USAGE.announcements.unpublish],
      delete: [prepareChange('delete', deleteAnnouncement), ADMIN_USAGE.announcements.delete],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown announcements command: ${sub}`, ANNOUNCEMENTS_USAGE);
    if (wantsHelp(rest)) return { help: usage(handler[1]) };
    return handler[0](rest);
  },
};

/** `subspace announcements …` as one call: parse, then run against `ctx`. */
export async function announcementsCli(ctx: AppContext, args: string[]): Promise<CommandResult> {
  return runAdminCommand(ctx, ['announcements', ...args]);
}
