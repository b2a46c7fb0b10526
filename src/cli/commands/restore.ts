import { join } from 'node:path';
import { openStorage } from '../../backends/index.ts';
import type { Config } from '../../config/index.ts';
import { openArchive, withReadProgress } from '../../services/backup/destination.ts';
import { BackupError } from '../../services/backup/errors.ts';
import { restoreBackup } from '../../services/backup/restore-backup.ts';
import { lockHolder } from '../../roles/data-dir-lock.ts';
import { onePositional, parseOptions } from '../args.ts';
import { terminalProgress } from '../progress.ts';
import { CommandError, UsageError } from '../usage-error.ts';
import { processUsage } from '../usage.ts';
import { readIdentities } from './backup.ts';

function rethrow(error: unknown): never {
  if (error instanceof BackupError) throw new CommandError(error.message);
  throw error;
}

/**
 * `subspace restore ARCHIVE --identity FILE`: a backup into an empty instance (a new data dir, or an
 * empty database and media store), with no Subspace process running on it. Prints what it restored
 * and what the admin does next.
 */
export async function runRestore(args: string[], loadConfiguration: () => Promise<Config>): Promise<number> {
  const text = processUsage('restore');
  const { values, positionals } = parseOptions(text, args, { identity: { type: 'string', short: 'i' } });
  const archive = onePositional(positionals, 'ARCHIVE', text);
  if (!values.identity) throw new UsageError('--identity FILE is needed', text);
  const identities = readIdentities(values.identity);
  const config = await loadConfiguration();
  const holder = config.database.kind === 'pglite' ? lockHolder(config.dataDir) : undefined;
  if (holder && holder !== process.pid) throw new CommandError(`Subspace process ${holder} is running on ${config.dataDir}: stop it, and restore into a new, empty SUBSPACE_DATA_DIR`);
  const storage = openStorage(config);
  const progress = terminalProgress();
  try {
    const opened = await openArchive(archive, config.backup.s3).catch(rethrow);
    const result = await restoreBackup(config, { archive: withReadProgress(opened, progress), identities, storage });
    progress.stop();
    console.log(`Restored the backup of ${result.manifest.domain} made ${result.manifest.createdAt}: the ${result.manifest.database} database and ${result.media} media files.`);
    console.log(`Its configuration files are in ${result.configDir}${config.database.kind === 'postgres' ? ` (set SECRET_KEY_BASE from ${join(result.configDir, 'secrets.env')})` : ''}.`);
    console.log(config.database.kind === 'postgres' ? 'Run `subspace db migrate` if this version is newer, then start the instance.' : 'Start the instance.');
    return 0;
  } catch (error) {
    progress.stop();
    return rethrow(error);
  } finally {
    await storage.close();
  }
}
