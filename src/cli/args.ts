import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

/* Argument helpers of every command; light, so that `--help` and bad arguments are answered fast. */

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

/** A command's options and positional arguments (strict: an unknown option is a usage error). */
export function parseOptions<const O extends ParseArgsOptionsConfig>(usage: string, args: string[], options: O) {
  return parseCommandArgs(usage, () => parseArgs({ args, allowPositionals: true, strict: true, options }));
}

/** Exactly one positional argument, such as the USERNAME. */
export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length === 0 || !positionals[0]) throw new UsageError(`missing ${what}`, usage);
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`, usage);
  return positionals[0];
}
