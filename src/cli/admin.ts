import type { AppContext } from '../context.ts';
import { ApiError } from '../lib/errors.ts';
import { accountsCommand } from './commands/accounts.ts';
import { announcementsCommand } from './commands/announcements.ts';
import { appsCommand } from './commands/apps.ts';
import { domainsCommand } from './commands/domains.ts';
import { settingsCommand } from './commands/settings.ts';
import { trendsCommand } from './commands/trends.ts';
import { UsageError } from './usage-error.ts';

/**
 * The administration commands (`subspace accounts|announcements|apps|domains|settings|trends …`, like Mastodon's tootctl).
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

/** A command that failed for a reason the admin should read (unknown user, validation): one line, exit 1. */
export class CommandError extends Error {}

/** A parsed command: either help to print, or the work to do. */
export type Prepared = { help: string } | { run(ctx: AppContext): Promise<CommandResult> };

export interface AdminCommand {
  name: string;
  usage: string;
  /** parses argv (after the command name); throws UsageError on bad arguments */
  prepare(args: string[]): Prepared;
}

/** Looked up lazily: the command modules import this one. */
function commands(): Record<string, AdminCommand> {
  return { accounts: accountsCommand, announcements: announcementsCommand, apps: appsCommand, domains: domainsCommand, settings: settingsCommand, trends: trendsCommand };
}

export function isAdminCommand(name: string | undefined): boolean {
  return !!name && Object.hasOwn(commands(), name);
}

export function adminUsage(): string {
  return Object.values(commands())
    .map((command) => command.usage)
    .join('\n');
}

/** Parses `argv` (command name first); throws UsageError. */
export function prepareAdminCommand(argv: string[]): Prepared {
  const [name, ...args] = argv;
  const command = name && Object.hasOwn(commands(), name) ? commands()[name]! : undefined;
  if (!command) throw new UsageError(`unknown command: ${name ?? '(none)'}`, adminUsage());
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
export async function runPrepared(ctx: AppContext, prepared: Prepared): Promise<CommandResult> {
  if ('help' in prepared) return output(prepared.help);
  try {
    return await prepared.run(ctx);
  } catch (error) {
    const failure = failureResult(error);
    if (failure) return failure;
    throw error;
  }
}

/** Parses and runs `argv` (command name first) in this process. */
export async function runAdminCommand(ctx: AppContext, argv: string[]): Promise<CommandResult> {
  let prepared: Prepared;
  try {
    prepared = prepareAdminCommand(argv);
  } catch (error) {
    const failure = failureResult(error);
    if (failure) return failure;
    throw error;
  }
  return runPrepared(ctx, prepared);
}

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Runs node:util parseArgs (`parse`), turning its complaints into UsageErrors. */
export function parseCommandArgs<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''), usage);
    }
    throw error;
  }
}

/** Exactly one positional argument, such as the USERNAME. */
export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length === 0 || !positionals[0]) throw new UsageError(`missing ${what}`, usage);
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`, usage);
  return positionals[0];
}
