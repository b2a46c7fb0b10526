import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { parseProcessArgs } from './process-args.ts';
import { CommandError, UsageError } from './usage-error.ts';
import { helpFor, isAdminCommandName, isProcessCommandName, MAIN_USAGE } from './usage.ts';

// Only light modules above: help, the version and bad arguments are answered without loading the
// commands, the configuration or the database, which are imported once a command is to run.

/** Where a CLI run reads its environment and writes its output: the process's, or a test's. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function loadConfigurationFrom(env: NodeJS.ProcessEnv) {
  return (await loadConfigurationWithWarnings(env)).config;
}

/** The configuration, and a warning for each variable of the environment it ignores (see known-variables.ts). */
async function loadConfigurationWithWarnings(processEnv: NodeJS.ProcessEnv) {
  const [{ loadConfig }, { withEnvFiles }, { configWarnings }] = await Promise.all([import('../config/index.ts'), import('../config/env-file.ts'), import('../config/known-variables.ts')]);
  const env = withEnvFiles(processEnv);
  return { config: loadConfig(env), warnings: configWarnings(env) };
}

/** Runs `subspace argv…`; resolves the exit code, or -1 for a process role that keeps running. */
async function main(argv: string[], io: CliIo): Promise<number> {
  const loadConfiguration = () => loadConfigurationFrom(io.env);
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.stdout(`${MAIN_USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const help = helpFor(argv);
  if (help !== undefined) {
    io.stdout(`${help}\n`);
    return 0;
  }
  if (command === 'backup') {
    // keygen and verify need no database: they also run where the identity is kept, away from the instance
    const backup = await import('./commands/backup.ts');
    if (backup.isStandaloneBackup(args)) return backup.runStandaloneBackup(args, loadConfiguration);
  }
  if (isAdminCommandName(command)) {
    // arguments first: a typo needs neither the configuration nor the database
    const { prepareAdminCommand } = await import('./admin.ts');
    const prepared = await prepareAdminCommand(argv);
    if ('help' in prepared) {
      io.stdout(`${prepared.help}\n`);
      return 0;
    }
    const config = await loadConfiguration();
    const { runAdminCli } = await import('./remote.ts');
    const result = await runAdminCli(config, argv, prepared);
    io.stdout(result.stdout);
    io.stderr(result.stderr);
    return result.exitCode;
  }
  if (!isProcessCommandName(command)) throw new UsageError(`unknown command: ${command}`, MAIN_USAGE);
  if (command === 'restore') return (await import('./commands/restore.ts')).runRestore(args, loadConfiguration);
  if (command === 'import') return (await import('./commands/import-mastodon.ts')).runImport(args, loadConfiguration);
  const parsed = parseProcessArgs(command, args);
  switch (command) {
    case 'version':
      io.stdout(`${version()}\n`);
      return 0;
    case 'secret':
      io.stdout(`${randomBytes(64).toString('hex')}\n`);
      return 0;
    case 'webpush': {
      // Mastodon's `rake mastodon:webpush:generate_vapid_key` prints the pair in this form
      const { generateVapidKeys } = await import('../config/vapid.ts');
      const keys = generateVapidKeys();
      io.stdout(`VAPID_PRIVATE_KEY=${keys.privateKey}\nVAPID_PUBLIC_KEY=${keys.publicKey}\n`);
      return 0;
    }
    case 'db':
    case 'upgrade': {
      const config = await loadConfiguration();
      const { openDatabase } = await import('../db/index.ts');
      const database = await openDatabase(config);
      await database.migrate();
      await database.close();
      io.stdout('Database is up to date.\n');
      if (command === 'upgrade') io.stdout(`Subspace ${version()} is ready to start.\n`);
      return 0;
    }
    case 'config': {
      const { config, warnings } = await loadConfigurationWithWarnings(io.env);
      const { describeConfig } = await import('../config/describe.ts');
      io.stdout(`${describeConfig(config).join('\n')}\n`);
      for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
      return 0;
    }
    default: {
      const { config, warnings } = await loadConfigurationWithWarnings(io.env);
      const { runRole } = await import('./commands/roles.ts');
      await runRole(command, parsed, config, warnings);
      return -1;
    }
  }
}

/** What a failure prints: one line (and the usage after bad arguments), never a stack trace for an expected one. */
async function report(error: unknown, io: CliIo): Promise<number | undefined> {
  if (error instanceof ConfigError) {
    io.stderr(`subspace: configuration error: ${error.message}\n`);
    return 1;
  }
  if (error instanceof UsageError) {
    io.stderr(`subspace: ${error.message}\n${error.usage}\n`);
    return 2;
  }
  if (!(error instanceof Error)) return undefined;
  const { BootError } = await import('../roles/boot.ts');
  if (error instanceof CommandError || error instanceof BootError || /another Subspace process/.test(error.message)) {
    io.stderr(`subspace: ${error.message}\n`);
    return 1;
  }
  if ('code' in error && ['ECONNREFUSED', 'ENOTFOUND', 'EADDRINUSE', 'EACCES', '28P01', '3D000'].includes(String(error.code))) {
    io.stderr(`subspace: ${error.message}\n`);
    return 1;
  }
  return undefined;
}

/**
 * Runs `subspace argv…`: resolves the exit code, or -1 for a process role that keeps running;
 * rethrows an unexpected error (a bug: its stack trace is printed).
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    const code = await report(error, io);
    if (code === undefined) throw error;
    return code;
  }
}
