import type { AppContext } from '../context.ts';
import { ApiError } from '../lib/errors.ts';
import { silentProgress, type Progress } from './progress.ts';
import { CommandError, UsageError } from './usage-error.ts';
import { MAIN_USAGE } from './usage.ts';

/**
 * The administration commands (`subspace accounts|announcements|apps|domains|emoji|media|rules|settings|trends|webhooks …`, like Mastodon's tootctl).
 * Each one parses its arguments without touching anything, so bad arguments fail fast, and then
 * runs against an AppContext: in the CLI's own process, or inside the running embedded instance
 * when the CLI hands the command over its control socket (src/roles/control-socket.ts).
 */

/** What a command prints and how it exits. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A parsed command: either help to print, or the work to do (a long one tells `progress` how far it
 * got). `argv` is what to hand a running instance instead of the arguments as typed, when they name
 * files relative to the CLI's directory.
 */
export type Prepared = { help: string } | { run(ctx: AppContext, progress: Progress): Promise<CommandResult>; argv?: string[] };

export interface AdminCommand {
  name: string;
  /** parses argv (after the command name); throws UsageError on bad arguments */
  prepare(args: string[]): Prepared;
}

/** Each command's module, imported when that command runs: a CLI process loads only its own. */
const COMMANDS: Record<string, () => Promise<AdminCommand>> = {
  accounts: async () => (await import('./commands/accounts.ts')).accountsCommand,
  announcements: async () => (await import('./commands/announcements.ts')).announcementsCommand,
  apps: async () => (await import('./commands/apps.ts')).appsCommand,
  backup: async () => (await import('./commands/backup.ts')).backupCommand,
  cache: async () => (await import('./commands/cache.ts')).cacheCommand,
  feeds: async () => (await import('./commands/feeds.ts')).feedsCommand,
  domains: async () => (await import('./commands/domains.ts')).domainsCommand,
  statuses: async () => (await import('./commands/statuses.ts')).statusesCommand,
  preview_cards: async () => (await import('./commands/preview-cards.ts')).previewCardsCommand,
  search: async () => (await import('./commands/search.ts')).searchCommand,
  maintenance: async () => (await import('./commands/maintenance.ts')).maintenanceCommand,
  'self-destruct': async () => (await import('./commands/self-destruct.ts')).selfDestructCommand,
  rules: async () => (await import('./commands/rules.ts')).rulesCommand,
  settings: async () => (await import('./commands/settings.ts')).settingsCommand,
  trends: async () => (await import('./commands/trends.ts')).trendsCommand,
  email_domain_blocks: async () => (await import('./commands/email-domain-blocks.ts')).emailDomainBlocksCommand,
  ip_blocks: async () => (await import('./commands/ip-blocks.ts')).ipBlocksCommand,
  canonical_email_blocks: async () => (await import('./commands/canonical-email-blocks.ts')).canonicalEmailBlocksCommand,
  emoji: async () => (await import('./commands/emoji.ts')).emojiCommand,
  media: async () => (await import('./commands/media.ts')).mediaCommand,
  webhooks: async () => (await import('./commands/webhooks.ts')).webhooksCommand,
};

/** Parses `argv` (command name first); rejects with a UsageError. */
export async function prepareAdminCommand(argv: string[]): Promise<Prepared> {
  const [name, ...args] = argv;
  const command = name && Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]!() : undefined;
  if (!command) throw new UsageError(`unknown command: ${name ?? '(none)'}`, MAIN_USAGE);
  return command.prepare(args);
}

export function output(stdout: string, exitCode = 0): CommandResult {
  return { stdout: stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`, stderr: '', exitCode };
}

/** The result an expected failure turns into, or undefined for a bug (which the caller reports). */
export function failureResult(error: unknown): CommandResult | undefined {
  if (error instanceof UsageError) return { stdout: '', stderr: `subspace: ${error.message}\n${error.usage}\n`, exitCode: 2 };
  if (error instanceof CommandError || error instanceof ApiError) return { stdout: '', stderr: `subspace: ${error.message}\n`, exitCode: 1 };
  return undefined;
}

/** Runs a prepared command; expected failures become results, bugs are thrown. */
export async function runPrepared(ctx: AppContext, prepared: Prepared, progress: Progress = silentProgress): Promise<CommandResult> {
  if ('help' in prepared) return output(prepared.help);
  try {
    return await prepared.run(ctx, progress);
  } catch (error) {
    const failure = failureResult(error);
    if (failure) return failure;
    throw error;
  }
}

/** Parses and runs `argv` (command name first) in this process. */
export async function runAdminCommand(ctx: AppContext, argv: string[], progress: Progress = silentProgress): Promise<CommandResult> {
  let prepared: Prepared;
  try {
    prepared = await prepareAdminCommand(argv);
  } catch (error) {
    const failure = failureResult(error);
    if (failure) return failure;
    throw error;
  }
  return runPrepared(ctx, prepared, progress);
}

export { onePositional, parseCommandArgs, parseOptions, wantsHelp } from './args.ts';
export { CommandError } from './usage-error.ts';
