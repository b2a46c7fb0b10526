// first: the compile cache and resolution shortcuts apply to every module loaded after it
import '../lib/fast-module-loading.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { parseProcessArgs } from './process-args.ts';
import { CommandError, UsageError } from './usage-error.ts';
import { helpFor, isAdminCommandName, isProcessCommandName, MAIN_USAGE } from './usage.ts';

// Only light modules above: help, the version and bad arguments are answered without loading the
// commands, the configuration or the database, which are imported once a command is to run.

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function loadConfiguration() {
  return (await loadConfigurationWithWarnings()).config;
}

/** The configuration, and a warning for each variable of the environment it ignores (see known-variables.ts). */
async function loadConfigurationWithWarnings() {
  const [{ loadConfig }, { withEnvFiles }, { configWarnings }] = await Promise.all([import('../config/index.ts'), import('../config/env-file.ts'), import('../config/known-variables.ts')]);
  const env = withEnvFiles(process.env);
  return { config: loadConfig(env), warnings: configWarnings(env) };
}

/** Runs `subspace argv…`; resolves the exit code, or -1 for a process role that keeps running. */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(MAIN_USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    console.log(version());
    return 0;
  }
  const help = helpFor(argv);
  if (help !== undefined) {
    console.log(help);
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
      console.log(prepared.help);
      return 0;
    }
    const config = await loadConfiguration();
    const { runAdminCli } = await import('./remote.ts');
    const result = await runAdminCli(config, argv, prepared);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (!isProcessCommandName(command)) throw new UsageError(`unknown command: ${command}`, MAIN_USAGE);
  if (command === 'restore') return (await import('./commands/restore.ts')).runRestore(args, loadConfiguration);
  if (command === 'import') return (await import('./commands/import-mastodon.ts')).runImport(args, loadConfiguration);
  const parsed = parseProcessArgs(command, args);
  switch (command) {
    case 'version':
      console.log(version());
      return 0;
    case 'secret':
      console.log(randomBytes(64).toString('hex'));
      return 0;
    case 'webpush': {
      // Mastodon's `rake mastodon:webpush:generate_vapid_key` prints the pair in this form
      const { generateVapidKeys } = await import('../config/vapid.ts');
      const keys = generateVapidKeys();
      console.log(`VAPID_PRIVATE_KEY=${keys.privateKey}\nVAPID_PUBLIC_KEY=${keys.publicKey}`);
      return 0;
    }
    case 'db':
    case 'upgrade': {
      const config = await loadConfiguration();
      const { openDatabase } = await import('../db/index.ts');
      const database = await openDatabase(config);
      await database.migrate();
      await database.close();
      console.log('Database is up to date.');
      if (command === 'upgrade') console.log(`Subspace ${version()} is ready to start.`);
      return 0;
    }
    case 'config': {
      const { config, warnings } = await loadConfigurationWithWarnings();
      const { describeConfig } = await import('../config/describe.ts');
      console.log(describeConfig(config).join('\n'));
      for (const warning of warnings) console.error(`warning: ${warning}`);
      return 0;
    }
    default: {
      const { config, warnings } = await loadConfigurationWithWarnings();
      const { runRole } = await import('./commands/roles.ts');
      await runRole(command, parsed, config, warnings);
      return -1;
    }
  }
}

/** What a failure prints: one line (and the usage after bad arguments), never a stack trace for an expected one. */
async function report(error: unknown): Promise<number | undefined> {
  if (error instanceof ConfigError) {
    console.error(`subspace: configuration error: ${error.message}`);
    return 1;
  }
  if (error instanceof UsageError) {
    console.error(`subspace: ${error.message}\n${error.usage}`);
    return 2;
  }
  if (!(error instanceof Error)) return undefined;
  const { BootError } = await import('../roles/boot.ts');
  if (error instanceof CommandError || error instanceof BootError || /another Subspace process/.test(error.message)) {
    console.error(`subspace: ${error.message}`);
    return 1;
  }
  if ('code' in error && ['ECONNREFUSED', 'ENOTFOUND', 'EADDRINUSE', 'EACCES', '28P01', '3D000'].includes(String(error.code))) {
    console.error(`subspace: ${error.message}`);
    return 1;
  }
  return undefined;
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (error) {
  const code = await report(error);
  if (code === undefined) throw error;
  process.exit(code);
}
