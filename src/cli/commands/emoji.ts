import { isAbsolute, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkShortcode, InvalidEmojiError } from '../../services/emojis/emoji-images.ts';
import { exportEmojis } from '../../services/emojis/export-emojis.ts';
import { EmojiSourceError, importEmojis, type ImportOptions } from '../../services/emojis/import-emojis.ts';
import { deleteLocalEmoji, localEmojis, modifyLocalEmoji, purgeEmojis, type LocalEmojiChanges, type PurgeScope } from '../../services/emojis/local-emojis.ts';
import { CommandError, onePositional, output, parseCommandArgs, parseOptions, wantsHelp, type AdminCommand, type Prepared } from '../admin.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, usage } from '../usage.ts';

const LINES = ADMIN_USAGE.emoji;
export const EMOJI_USAGE = commandUsage('emoji');

/** The source's problems (a missing PATH, an archive already there) are the admin's to fix: one line, exit 1. */
async function admin<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EmojiSourceError) throw new CommandError(error.message);
    throw error;
  }
}

/**
 * The arguments with the path positional made absolute: a running instance, which has its own
 * working directory, is handed these instead of the arguments as typed.
 */
function withAbsolutePath(sub: string, args: string[], options: ParseArgsConfig['options']): string[] {
  const { tokens } = parseArgs({ args, allowPositionals: true, strict: true, options, tokens: true });
  const forwarded = [...args];
  const positional = tokens.find((token) => token.kind === 'positional');
  if (positional && !isAbsolute(positional.value)) forwarded[positional.index] = resolve(positional.value);
  return ['emoji', sub, ...forwarded];
}

const IMPORT_OPTIONS = {
  prefix: { type: 'string' },
  suffix: { type: 'string' },
  overwrite: { type: 'boolean' },
  unlisted: { type: 'boolean' },
  category: { type: 'string' },
  shortcode: { type: 'string' },
} as const;

function prepareImport(args: string[]): Prepared {
  const text = usage(LINES.import);
  const { values, positionals } = parseOptions(text, args, IMPORT_OPTIONS);
  const path = resolve(onePositional(positionals, 'PATH', text));
  if (values.shortcode !== undefined) {
    try {
      checkShortcode(values.shortcode);
    } catch (error) {
      if (error instanceof InvalidEmojiError) throw new UsageError(error.message, text);
      throw error;
    }
    if (values.prefix !== undefined || values.suffix !== undefined) throw new UsageError('--shortcode names the emoji itself: no --prefix or --suffix with it', text);
  }
  const options: ImportOptions = {
    prefix: values.prefix,
    suffix: values.suffix,
    overwrite: !!values.overwrite,
    unlisted: !!values.unlisted,
    category: values.category ?? null,
    shortcode: values.shortcode,
  };
  return {
    argv: withAbsolutePath('import', args, IMPORT_OPTIONS),
    async run(ctx) {
      const report = await admin(() => importEmojis(ctx, path, options));
      const lines = report.failed.map((failure) => `Failed: ${failure.path}: ${failure.reason}`);
      // tootctl's summary line
      lines.push(`Imported ${report.imported}, skipped ${report.skipped}, failed to import ${report.failed.length}`);
      return output(lines.join('\n'));
    },
  };
}

const EXPORT_OPTIONS = { category: { type: 'string' }, overwrite: { type: 'boolean' } } as const;

function prepareExport(args: string[]): Prepared {
  const text = usage(LINES.export);
  const { values, positionals } = parseOptions(text, args, EXPORT_OPTIONS);
  const directory = resolve(onePositional(positionals, 'DIR', text));
  return {
    argv: withAbsolutePath('export', args, EXPORT_OPTIONS),
    async run(ctx) {
      const report = await admin(() => exportEmojis(ctx, directory, { category: values.category, overwrite: !!values.overwrite }));
      return output([...report.exported.map((shortcode) => `Added ${shortcode}`), `Exported ${report.exported.length} to ${report.file}`].join('\n'));
    },
  };
}

function prepareList(args: string[]): Prepared {
  const text = usage(LINES.list);
  const { values } = parseCommandArgs(text, () => parseArgs({ args, allowPositionals: false, strict: true, options: { category: { type: 'string' } } }));
  return {
    async run(ctx) {
      const emojis = await localEmojis(ctx, values.category);
      if (emojis.length === 0) return output('No custom emoji.');
      return output(
        emojis.map((emoji) => [`:${emoji.shortcode}:`, emoji.category ?? '', emoji.visibleInPicker ? '' : 'unlisted', emoji.disabled ? 'disabled' : ''].filter(Boolean).join('  ')).join('\n'),
      );
    },
  };
}

/** Exactly one of two opposite flags, or neither. */
function either(values: Record<string, unknown>, yes: string, no: string, text: string): boolean | undefined {
  if (values[yes] && values[no]) throw new UsageError(`--${yes} and --${no} contradict each other`, text);
  return values[yes] ? true : values[no] ? false : undefined;
}

function prepareModify(args: string[]): Prepared {
  const text = usage(LINES.modify);
  const { values, positionals } = parseOptions(text, args, {
    category: { type: 'string' },
    'no-category': { type: 'boolean' },
    listed: { type: 'boolean' },
    unlisted: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
  });
  const shortcode = onePositional(positionals, 'SHORTCODE', text).replace(/^:(.*):$/, '$1');
  if (values.category !== undefined && values['no-category']) throw new UsageError('--category and --no-category contradict each other', text);
  const changes: LocalEmojiChanges = {
    category: values['no-category'] ? null : values.category,
    visibleInPicker: either(values, 'listed', 'unlisted', text),
    disabled: either(values, 'disable', 'enable', text),
  };
  if (Object.values(changes).every((value) => value === undefined)) throw new UsageError('nothing to change', text);
  return {
    async run(ctx) {
      if (!(await modifyLocalEmoji(ctx, shortcode, changes))) throw new CommandError(`no local emoji :${shortcode}:`);
      return output('OK');
    },
  };
}

function prepareDelete(args: string[]): Prepared {
  const text = usage(LINES.delete);
  const { positionals } = parseOptions(text, args, {});
  const shortcode = onePositional(positionals, 'SHORTCODE', text).replace(/^:(.*):$/, '$1');
  return {
    async run(ctx) {
      if (!(await deleteLocalEmoji(ctx, shortcode))) throw new CommandError(`no local emoji :${shortcode}:`);
      return output('OK');
    },
  };
}

function preparePurge(args: string[]): Prepared {
  const text = usage(LINES.purge);
  const { values } = parseCommandArgs(text, () => parseArgs({ args, allowPositionals: false, strict: true, options: { 'remote-only': { type: 'boolean' }, 'suspended-only': { type: 'boolean' } } }));
  if (values['remote-only'] && values['suspended-only']) throw new UsageError('--remote-only and --suspended-only contradict each other', text);
  const scope: PurgeScope = values['suspended-only'] ? 'suspended' : values['remote-only'] ? 'remote' : 'all';
  return {
    async run(ctx) {
      const removed = await purgeEmojis(ctx, scope);
      return output(`OK\nRemoved ${removed} custom emoji`);
    },
  };
}

/** `subspace emoji …`: the local custom emoji (tootctl emoji import/export/purge, and what Mastodon's admin pages do). */
export const emojiCommand: AdminCommand = {
  name: 'emoji',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('emoji needs a subcommand', EMOJI_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: EMOJI_USAGE };
    const handlers: Record<string, [(args: string[]) => Prepared, string]> = {
      import: [prepareImport, LINES.import],
      export: [prepareExport, LINES.export],
      list: [prepareList, LINES.list],
      modify: [prepareModify, LINES.modify],
      delete: [prepareDelete, LINES.delete],
      purge: [preparePurge, LINES.purge],
    };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown emoji command: ${sub}`, EMOJI_USAGE);
    if (wantsHelp(rest)) return { help: usage(handler[1]) };
    return handler[0](rest);
  },
};
