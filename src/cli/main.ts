import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../config/index.ts';
import { withEnvFiles } from '../config/env-file.ts';
import { openDatabase } from '../db/index.ts';
import { BootError } from '../roles/boot.ts';
import { adminUsage, CommandError, isAdminCommand, prepareAdminCommand } from './admin.ts';
import { runRole } from './commands/roles.ts';
import { runAdminCli } from './remote.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `Usage: subspace <command> [options]

Processes:
  start                          everything in one process (the default for npm start)
  web                            the web tier (API, OAuth, pages)
  streaming                      the streaming API (WebSocket and Server-Sent Events)
  worker [--queues q1,q2] [--concurrency N]
                                 background jobs from the given queues
  scheduler                      enqueues periodic jobs

Administration (while an embedded instance runs, these go to it through <data dir>/subspace.sock):
${adminUsage()}
  db migrate                     applies database migrations (server mode)
  secret                         prints a new SECRET_KEY_BASE

Run \`subspace <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'secret') {
    console.log(randomBytes(64).toString('hex'));
    return 0;
  }
  if (isAdminCommand(command)) {
    // arguments first: a typo needs neither the configuration nor the database
    const prepared = prepareAdminCommand(argv);
    if ('help' in prepared) {
      console.log(prepared.help);
      return 0;
    }
    const result = await runAdminCli(loadConfig(withEnvFiles(process.env)), argv, prepared);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (!['start', 'web', 'streaming', 'worker', 'scheduler', 'db'].includes(command)) throw new UsageError(`unknown command: ${command}`, USAGE);
  if (command === 'db' && args[0] !== 'migrate') throw new UsageError(`unknown db command: ${args[0] ?? '(none)'}`, 'subspace db migrate');
  const config = loadConfig(withEnvFiles(process.env));
  switch (command) {
    case 'start':
    case 'web':
    case 'streaming':
    case 'worker':
    case 'scheduler':
      await runRole(command, args, config);
      return -1;
    case 'db': {
      if (args[0] !== 'migrate') throw new UsageError(`unknown db command: ${args[0] ?? '(none)'}`, 'subspace db migrate');
      const database = await openDatabase(config);
      await database.migrate();
      await database.close();
      console.log('Database is up to date.');
      return 0;
    }
    default:
      throw new UsageError(`unknown command: ${command}`, USAGE);
  }
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`subspace: configuration error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof CommandError) {
    console.error(`subspace: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof UsageError) {
    console.error(`subspace: ${error.message}\n${error.usage}`);
    process.exit(2);
  }
  if (error instanceof BootError || (error instanceof Error && /another Subspace process/.test(error.message))) {
    console.error(`subspace: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof Error && 'code' in error && ['ECONNREFUSED', 'ENOTFOUND', 'EADDRINUSE', 'EACCES', '28P01', '3D000'].includes(String(error.code))) {
    console.error(`subspace: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
