import { parseArgs } from 'node:util';
import { measureMediaUsage, removeOrphanedFiles } from '../../services/media/media-storage-scan.ts';
import { removeCachedAttachments, removeCachedProfileImages, type RemovalProgress } from '../../services/media/remove-remote-media.ts';
import { parseCommandArgs, parseOptions, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { humanSize } from '../human-size.ts';
import type { Progress } from '../progress.ts';
import { prepareMediaRefresh } from './media-refresh.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, subcommandHelp, usage } from '../usage.ts';

/*
 * `subspace media remove|remove-orphans|usage`, as tootctl's. Sizes are read from storage (the
 * files themselves), so they are exact, not Mastodon's "approx.", though printed its way.
 */

export const MEDIA_USAGE = commandUsage('media');

const dryRunSuffix = (dryRun: boolean) => (dryRun ? ' (DRY RUN)' : '');

function wholeNumber(value: string | undefined, option: string, fallback: number, min: number, max: number, text: string): number {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got "${value}"`, text);
  return number;
}

function result(lines: string[], errors: string[]): CommandResult {
  return { stdout: lines.map((line) => `${line}\n`).join(''), stderr: errors.map((line) => `${line}\n`).join(''), exitCode: 0 };
}

function removalProgress(progress: Progress, errors: string[]): RemovalProgress {
  return {
    total: (count) => progress.start(count),
    advance: (count) => progress.increment(count),
    failed: (key, error) => errors.push(`Error processing ${key}: ${error instanceof Error ? error.message : String(error)}`),
  };
}

function prepareRemove(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.media.remove);
  const { values, positionals } = parseOptions(text, args, {
    days: { type: 'string', short: 'd' },
    'prune-profiles': { type: 'boolean' },
    'remove-headers': { type: 'boolean' },
    'include-follows': { type: 'boolean' },
    concurrency: { type: 'string', short: 'c' },
    'dry-run': { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const days = wholeNumber(values.days, '--days', 7, 0, 36_500, text);
  const concurrency = wholeNumber(values.concurrency, '--concurrency', 5, 1, 100, text);
  const pruneProfiles = !!values['prune-profiles'];
  const removeHeaders = !!values['remove-headers'];
  const includeFollows = !!values['include-follows'];
  const dryRun = !!values['dry-run'];
  if (pruneProfiles && removeHeaders) throw new UsageError('--prune-profiles and --remove-headers should not be specified simultaneously', text);
  if (includeFollows && !pruneProfiles && !removeHeaders) throw new UsageError('--include-follows can only be used with --prune-profiles or --remove-headers', text);
  return {
    async run(ctx, progress: Progress) {
      const errors: string[] = [];
      const options = { days, dryRun, concurrency, progress: removalProgress(progress, errors) };
      try {
        if (pruneProfiles || removeHeaders) {
          const images = pruneProfiles ? 'avatar and header' : 'header';
          const { processed, bytes } = await removeCachedProfileImages(ctx, { ...options, images, includeFollows });
          return result([`Visited ${processed} accounts and removed profile media totaling ${humanSize(bytes)}${dryRunSuffix(dryRun)}`], errors);
        }
        const { processed, bytes } = await removeCachedAttachments(ctx, options);
        return result([`Removed ${processed} media attachments (approx. ${humanSize(bytes)})${dryRunSuffix(dryRun)}`], errors);
      } finally {
        progress.stop();
      }
    },
  };
}

function prepareRemoveOrphans(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.media['remove-orphans']);
  const { values, positionals } = parseOptions(text, args, { prefix: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const dryRun = !!values['dry-run'];
  return {
    async run(ctx, progress: Progress) {
      const lines: string[] = [];
      const errors: string[] = [];
      try {
        const { removed, bytes } = await removeOrphanedFiles(ctx, {
          prefix: values.prefix,
          dryRun,
          concurrency: 5,
          onFile(file, finding, error) {
            progress.increment();
            if (error) errors.push(`Error processing ${file.key}: ${error instanceof Error ? error.message : String(error)}`);
            else if (finding === 'orphan') lines.push(`Found and removed orphan: ${file.key}`);
            else if (finding === 'unrecognized') lines.push(`Unrecognized file found: ${file.key}`);
          },
        });
        lines.push(`Removed ${removed} orphans (approx. ${humanSize(bytes)})${dryRunSuffix(dryRun)}`);
        return result(lines, errors);
      } finally {
        progress.stop();
      }
    },
  };
}

function prepareUsage(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.media.usage);
  parseCommandArgs(text, () => parseArgs({ args, allowPositionals: false, strict: true, options: {} }));
  return {
    async run(ctx, progress: Progress) {
      try {
        const sizes = await measureMediaUsage(ctx, () => progress.increment());
        const withLocal = (line: { bytes: number; local: number }) => `${humanSize(line.bytes)} (${humanSize(line.local)} local)`;
        const lines = [
          `Attachments:\t${withLocal(sizes.attachments)}`,
          `Custom emoji:\t${withLocal(sizes.emoji)}`,
          ...(sizes['preview cards'].bytes ? [`Preview cards:\t${humanSize(sizes['preview cards'].bytes)}`] : []),
          `Avatars:\t${withLocal(sizes.avatars)}`,
          `Headers:\t${withLocal(sizes.headers)}`,
          ...(sizes.unreferenced.files ? [`Not referenced:\t${humanSize(sizes.unreferenced.bytes)} (${sizes.unreferenced.files} files; see subspace media remove-orphans)`] : []),
        ];
        return result(lines, []);
      } finally {
        progress.stop();
      }
    },
  };
}

/** `subspace media …`: stored media, as tootctl media. */
export const mediaCommand: AdminCommand = {
  name: 'media',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('media needs a subcommand', MEDIA_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: MEDIA_USAGE };
    const handlers: Record<string, (args: string[]) => Prepared> = { remove: prepareRemove, 'remove-orphans': prepareRemoveOrphans, usage: prepareUsage, refresh: prepareMediaRefresh };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown media command: ${sub}`, MEDIA_USAGE);
    if (wantsHelp(rest)) return { help: subcommandHelp('media', sub) };
    return handler(rest);
  },
};
