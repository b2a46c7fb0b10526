import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AGE_RECIPIENT, parseDuration, type BackupConfig } from '../../config/backup.ts';
import type { Config } from '../../config/index.ts';
import { newIdentity, parseIdentityFile } from '../../services/backup/age-stream.ts';
import { createBackup } from '../../services/backup/create-backup.ts';
import { openArchive, withReadProgress } from '../../services/backup/destination.ts';
import { BackupError } from '../../services/backup/errors.ts';
import { readArchive } from '../../services/backup/read-archive.ts';
import { CommandError, onePositional, output, parseOptions, wantsHelp, type AdminCommand, type CommandResult, type Prepared } from '../admin.ts';
import { humanSize } from '../human-size.ts';
import { terminalProgress, type Progress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';
import { ADMIN_USAGE, commandUsage, subcommandHelp, usage } from '../usage.ts';

/*
 * `subspace backup keygen|create|verify`: encrypted archives of the instance (see
 * src/services/backup). `subspace restore` is src/cli/commands/restore.ts.
 */

export const BACKUP_USAGE = commandUsage('backup');

const isLocation = (value: string) => value.startsWith('s3://');
/** A path as the CLI's directory sees it: the command may run inside the instance, elsewhere. */
const absolute = (value: string) => (isLocation(value) ? value : resolve(value));

async function asCommandError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw new CommandError(error.message);
    throw error;
  }
}

/** The identities of `path`, refused in one line when unreadable. */
export function readIdentities(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read the identity file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return parseIdentityFile(text);
  } catch (error) {
    throw new CommandError(`${path}: ${(error as Error).message}`);
  }
}

/**
 * A sub-command that needs no instance, only (perhaps) the configuration: `keygen` and `verify`, which
 * also run where the identity is kept, away from the instance. `argv` is what a running instance is handed.
 */
interface Standalone {
  argv?: string[];
  /** `s3`: BACKUP_S3_*, asked for only when an archive is in S3 */
  run(s3: () => Promise<BackupConfig['s3']>, progress: Progress): Promise<CommandResult>;
}

function parseKeygen(args: string[]): Standalone {
  const text = usage(ADMIN_USAGE.backup.keygen);
  const { positionals } = parseOptions(text, args, {});
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  return {
    async run() {
      const { identity, recipient } = await newIdentity();
      return output(`# public key: ${recipient}\n${identity}`);
    },
  };
}

function prepareCreate(args: string[]): Prepared {
  const text = usage(ADMIN_USAGE.backup.create);
  const { values, positionals } = parseOptions(text, args, {
    to: { type: 'string' },
    recipient: { type: 'string', multiple: true },
    keep: { type: 'string' },
    'media-to': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  const mediaTo = values['media-to'];
  if (mediaTo !== undefined && !/^s3:\/\/[a-z0-9.-]+(\/.*)?$/.test(mediaTo)) throw new UsageError(`--media-to must be s3://BUCKET/PREFIX, got "${mediaTo}"`, text);
  for (const recipient of values.recipient ?? []) if (!AGE_RECIPIENT.test(recipient)) throw new UsageError(`--recipient must be an age recipient (age1…), got "${recipient}"`, text);
  const keepSeconds = values.keep === undefined ? undefined : parseDuration(values.keep);
  if (values.keep !== undefined && keepSeconds === undefined) throw new UsageError(`--keep must be a duration such as 14d, 12h or 2w, got "${values.keep}"`, text);
  const to = values.to === undefined ? undefined : absolute(values.to);
  const argv = [
    'backup',
    'create',
    ...(to ? ['--to', to] : []),
    ...(values.recipient ?? []).flatMap((recipient) => ['--recipient', recipient]),
    ...(values.keep ? ['--keep', values.keep] : []),
    ...(mediaTo ? ['--media-to', mediaTo] : []),
  ];
  return {
    argv,
    async run(ctx, progress: Progress) {
      const destination = to ?? ctx.config.backup.to;
      if (!destination) throw new UsageError('--to is needed (or BACKUP_TO)', text);
      const recipients = values.recipient ?? ctx.config.backup.recipients;
      if (!recipients.length) throw new UsageError('--recipient is needed (or BACKUP_RECIPIENTS); make one with `subspace backup keygen`', text);
      const result = await asCommandError(() => createBackup(ctx, { to: destination, recipients, keepSeconds, mediaTo, progress }));
      const mirror = result.mirror;
      const lines = [
        ...(mirror
          ? [
              `Copied ${mirror.copied} new or changed media files (${humanSize(mirror.bytes)}) to ${mirror.location}, ${mirror.unchanged} unchanged${mirror.deleted ? `, ${mirror.deleted} gone from the store deleted` : ''}`,
            ]
          : []),
        `Backed up ${result.files} files (${humanSize(result.bytes)} before encryption)`,
        ...result.deleted.map((name) => `Deleted ${name} (older than ${values.keep})`),
        result.location,
      ];
      return output(lines.join('\n'));
    },
  };
}

function parseVerify(args: string[]): Standalone {
  const text = usage(ADMIN_USAGE.backup.verify);
  const { values, positionals } = parseOptions(text, args, { identity: { type: 'string', short: 'i' } });
  const archive = absolute(onePositional(positionals, 'ARCHIVE', text));
  if (!values.identity) throw new UsageError('--identity FILE is needed', text);
  const identityFile = resolve(values.identity);
  return {
    argv: ['backup', 'verify', archive, '--identity', identityFile],
    async run(s3, progress) {
      const identities = readIdentities(identityFile);
      try {
        const manifest = await asCommandError(async () => readArchive(withReadProgress(await openArchive(archive, isLocation(archive) ? await s3() : { region: 'us-east-1' }), progress), identities));
        const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
        return output(
          `${archive}: a backup of ${manifest.domain} made ${manifest.createdAt} (${manifest.database} database), ${manifest.files.length} files (${humanSize(bytes)}), every checksum matches`,
        );
      } finally {
        progress.stop();
      }
    },
  };
}

const STANDALONE: Record<string, (args: string[]) => Standalone> = { keygen: parseKeygen, verify: parseVerify };

/** `keygen` or `verify` as an admin command, with an instance's context. */
function prepareStandalone(parse: (args: string[]) => Standalone): (args: string[]) => Prepared {
  return (args) => {
    const standalone = parse(args);
    return { argv: standalone.argv, run: (ctx, progress) => standalone.run(async () => ctx.config.backup.s3, progress) };
  };
}

/**
 * `subspace backup keygen|verify` from the command line: run in the CLI's process without opening the
 * database (the configuration is read only for an `s3://` archive's BACKUP_S3_*). Resolves the exit code.
 */
export async function runStandaloneBackup(args: string[], loadConfiguration: () => Promise<Config>): Promise<number> {
  const [sub, ...rest] = args;
  const standalone = STANDALONE[sub!]!(rest);
  const result = await standalone.run(async () => (await loadConfiguration()).backup.s3, terminalProgress());
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}

export const isStandaloneBackup = (args: string[]) => Object.hasOwn(STANDALONE, args[0] ?? '');

/** `subspace backup …`: encrypted backups. */
export const backupCommand: AdminCommand = {
  name: 'backup',
  prepare(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('backup needs a subcommand', BACKUP_USAGE);
    if (sub === 'help' || sub === '--help' || sub === '-h') return { help: BACKUP_USAGE };
    const handlers: Record<string, (args: string[]) => Prepared> = { keygen: prepareStandalone(parseKeygen), create: prepareCreate, verify: prepareStandalone(parseVerify) };
    const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
    if (!handler) throw new UsageError(`unknown backup command: ${sub}`, BACKUP_USAGE);
    if (wantsHelp(rest)) return { help: subcommandHelp('backup', sub) };
    return handler(rest);
  },
};
