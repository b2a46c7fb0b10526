import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import type { Storage } from '../../backends/storage/index.ts';
import { CONTENT_TYPES } from '../../backends/storage/local.ts';
import type { Config } from '../../config/index.ts';
import { openDatabase, queryRows } from '../../db/index.ts';
import { BackupError } from './errors.ts';
import { CONFIG_PREFIX, DATABASE_PATHS, MEDIA_PREFIX, type Manifest } from './manifest.ts';
import { runPgTool } from './postgres-tools.ts';
import { restoreMirroredMedia } from './media-mirror.ts';
import { readArchive } from './read-archive.ts';

export interface RestoreOptions {
  archive: Readable;
  identities: string[];
  /** the media store restored into (the instance's, made from its configuration) */
  storage: Storage;
}

export interface RestoreResult {
  manifest: Manifest;
  media: number;
  /** where the archived configuration files were put for the admin */
  configDir: string;
}

async function isEmptyDir(path: string): Promise<boolean> {
  const names = await readdir(path).catch(() => []);
  return names.length === 0;
}

/** Refuses an instance that already holds anything: restore never merges into or overwrites data. */
async function ensureEmpty(config: Config, storage: Storage): Promise<void> {
  if (config.database.kind === 'pglite') {
    if (!(await isEmptyDir(join(config.dataDir, 'db')))) throw new BackupError(`${join(config.dataDir, 'db')} already holds a database: restore into a new, empty SUBSPACE_DATA_DIR`);
  } else {
    const database = await openDatabase(config);
    try {
      const [tables] = await queryRows<{ users: string | null }>(database.db, sql`SELECT to_regclass('public.users')::text AS users`);
      if (tables?.users) {
        const [counts] = await queryRows<{ users: number; statuses: number }>(database.db, sql`SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM statuses) AS statuses`);
        if (counts && (counts.users > 0 || counts.statuses > 0)) {
          throw new BackupError(`database ${config.database.name} is not empty (${counts.users} users, ${counts.statuses} statuses): restore into a new, empty database`);
        }
      }
    } finally {
      await database.close();
    }
  }
  for await (const file of storage.list()) throw new BackupError(`the media store is not empty (it holds ${file.key}): restore into an empty one`);
}

async function restoreDatabase(config: Config, manifest: Manifest, staged: string): Promise<void> {
  const dump = join(staged, DATABASE_PATHS[manifest.database]);
  if (manifest.database !== config.database.kind) {
    throw new BackupError(
      `the archive holds ${manifest.database === 'pglite' ? 'an embedded (PGlite)' : 'a PostgreSQL'} database, and this instance is configured for ${config.database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}`,
    );
  }
  if (config.database.kind === 'pglite') {
    const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
    const bytes = await readFile(dump);
    const db = await PGlite.create(join(config.dataDir, 'db'), { extensions: { pg_trgm }, loadDataDir: new Blob([bytes]) });
    await db.close();
  } else {
    // one transaction: a failure leaves the database as it was; --clean replaces what migrations made
    await runPgTool('pg_restore', ['--no-owner', '--no-acl', '--clean', '--if-exists', '--single-transaction', '--exit-on-error', dump], config);
  }
}

async function restoreMedia(storage: Storage, staged: string, manifest: Manifest): Promise<number> {
  const media = manifest.files.filter((file) => file.path.startsWith(MEDIA_PREFIX));
  for (const file of media) {
    const key = file.path.slice(MEDIA_PREFIX.length);
    await storage.put(key, await readFile(join(staged, file.path)), CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream');
  }
  return media.length;
}

async function restoreConfiguration(config: Config, staged: string, manifest: Manifest): Promise<string> {
  const configDir = join(config.dataDir, 'restored-config');
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  for (const file of manifest.files.filter((entry) => entry.path.startsWith(CONFIG_PREFIX))) {
    const name = file.path.slice(CONFIG_PREFIX.length);
    await copyFile(join(staged, file.path), join(configDir, name));
    // the embedded instance's own secret (SECRET_KEY_BASE), where it reads it
    if (name === 'secrets.json' && config.database.kind === 'pglite') await copyFile(join(staged, file.path), join(config.dataDir, 'secrets.json'));
  }
  return configDir;
}

/**
 * Restores an archive into an empty instance: the archive is decrypted into a staging directory and
 * checked against its manifest first, so a wrong key or a corrupted archive changes nothing.
 */
export async function restoreBackup(config: Config, options: RestoreOptions): Promise<RestoreResult> {
  await ensureEmpty(config, options.storage);
  await mkdir(config.dataDir, { recursive: true });
  const staged = join(config.dataDir, `.restore-${randomBytes(6).toString('hex')}`);
  try {
    const manifest = await readArchive(options.archive, options.identities, async (path, entry) => {
      const target = join(staged, path);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target, { mode: 0o600 }));
    });
    await restoreDatabase(config, manifest, staged);
    // media copied to a second bucket (BACKUP_MEDIA_TO) come back from there
    const media = manifest.mediaMirror ? await restoreMirroredMedia(options.storage, manifest.mediaMirror, config.backup.s3) : await restoreMedia(options.storage, staged, manifest);
    const configDir = await restoreConfiguration(config, staged, manifest);
    return { manifest, media, configDir };
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}
