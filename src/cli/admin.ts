import type { AppContext } from '../context.ts';
import { ApiError } from '../lib/errors.ts';
import { accountsCommand } from './commands/accounts.ts';
import { announcementsCommand } from './commands/announcements.ts';
import { appsCommand } from './commands/apps.ts';
import { domainsCommand } from './commands/domains.ts';
import { settingsCommand } from './commands/settings.ts';
import { silentProgress, type Progress } from './progress.ts';
import { CommandError, UsageError } from './usage-error.ts';
import { MAIN_USAGE } from './usage.ts';
import { trendsCommand } from './commands/trends.ts';
import { mediaCommand } from './commands/media.ts';
import { emojiCommand } from './commands/emoji.ts';

/**
 * The administration commands (`subspace accounts|announcements|apps|domains|emoji|media|settings|trends …`, like Mastodon's tootctl).
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

/** Looked up lazily: the command modules import this one. */
function commands(): Record<string, AdminCommand> {
  return {
    accounts: accountsCommand,
    announcements: announcementsCommand,
    apps: appsCommand,
    domains: domainsCommand,
    emoji: emojiCommand,
    media: mediaCommand,
    settings: settingsCommand,
    trends: trendsCommand,
  };
}

/** Parses `argv` (command name first); throws UsageError. */
export function prepareAdminCommand(argv: string[]): Prepared {
  const [name, ...args] = argv;
  const command = name && Object.hasOwn(commands(), name) ? commands()[name]! : undefined;
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
    prepared = prepareAdminCommand(argv);
  } catch (error) {
    const failure = failureResult(error);
    if (failure) return failure;
    throw error;
  }
  return runPrepared(ctx, prepared, progress);
}

export { onePositional, parseCommandArgs, wantsHelp } from './args.ts';
export { CommandError } from './usage-error.ts';
