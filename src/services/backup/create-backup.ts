import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { StoredFile } from '../../backends/storage/index.ts';
import type { AppContext } from '../../context.ts';
import { encryptStream } from './age-stream.ts';
import { archiveDate, archiveName } from './archive-names.ts';
import { openDestination, type Destination } from './destination.ts';
import { BackupError } from './errors.ts';
import { ARCHIVE_FORMAT, CONFIG_PREFIX, DATABASE_PATHS, MANIFEST_PATH, MEDIA_PREFIX, type Manifest } from './manifest.ts';
import { runPgTool } from './postgres-tools.ts';
import { tarStream, type ArchiveEntry } from './tar-writer.ts';
import { mirrorMedia, type MirrorResult } from './media-mirror.ts';
import { notifyBackupWebhook } from './webhook.ts';

export interface BackupOptions {
  to: string;
  recipients: string[];
  /** deletes this instance's archives in `to` older than this many seconds */
  keepSeconds?: number;
  /** `s3://BUCKET/PREFIX`: the media are copied there incrementally instead of into the archive (BACKUP_MEDIA_TO by default) */
  mediaTo?: string;
  progress?: { start(total: number): void; increment(by: number): void; stop(): void };
}

export interface BackupResult {
  location: string;
  bytes: number;
  files: number;
  deleted: string[];
  /** the media's copy in the second bucket, when they went there */
  mirror?: MirrorResult;
}

/** Secrets that live outside the database and cannot be made again: kept in `config/secrets.env`. */
const SECRET_VARIABLES = [
  'OTP_SECRET',
  'VAPID_PRIVATE_KEY',
  'VAPID_PUBLIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
];

function configEntries(ctx: AppContext): ArchiveEntry[] {
  const secrets = [`SECRET_KEY_BASE=${ctx.config.secretKeyBase}`, ...SECRET_VARIABLES.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`)];
  const files: [string, Buffer][] = [['secrets.env', Buffer.from(`${secrets.join('\n')}\n`)]];
  const embeddedSecrets = join(ctx.config.dataDir, 'secrets.json');
  if (existsSync(embeddedSecrets)) files.push(['secrets.json', readFileSync(embeddedSecrets)]);
  // the env file the instance was configured with (src/config/env-file.ts reads them from its directory)
  for (const name of ['.env.production', '.env']) if (existsSync(name)) files.push([name, readFileSync(name)]);
  return files.map(([name, bytes]) => ({ path: `${CONFIG_PREFIX}${name}`, size: bytes.length, open: async () => bytes }));
}

/** The database's dump in `dir`: pg_dump's custom format, or PGlite's data dir as a tar. */
async function dumpDatabase(ctx: AppContext, dir: string): Promise<ArchiveEntry> {
  const kind = ctx.database.kind;
  const file = join(dir, 'database');
  if (kind === 'pglite') {
    if (!ctx.database.dumpDataDir) throw new BackupError('this embedded database cannot be dumped');
    await writeFile(file, await ctx.database.dumpDataDir(), { mode: 0o600 });
  } else {
    await runPgTool('pg_dump', ['--format=custom', '--no-owner', '--no-acl', `--file=${file}`], ctx.config);
  }
  const { size } = await stat(file);
  return { path: DATABASE_PATHS[kind], size, open: async () => createReadStream(file) };
}

async function storedMedia(ctx: AppContext): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  for await (const file of ctx.storage.list()) if (!/\.[0-9a-f]{12}\.tmp$/.test(file.key)) files.push(file);
  return files;
}

function mediaEntry(ctx: AppContext, file: StoredFile): ArchiveEntry {
  return {
    path: `${MEDIA_PREFIX}${file.key}`,
    size: file.size,
    async open() {
      const stream = await ctx.storage.get(file.key);
      if (!stream) throw new BackupError(`${file.key} disappeared from the media store while it was backed up; try again`);
      return stream;
    },
  };
}

async function applyRetention(ctx: AppContext, destination: Destination, keepSeconds: number, written: string): Promise<string[]> {
  const cutoff = Date.now() - keepSeconds * 1000;
  const deleted: string[] = [];
  for (const name of await destination.list()) {
    const date = archiveDate(ctx.config.localDomain, name);
    if (!date || name === written || date.getTime() >= cutoff) continue;
    await destination.delete(name);
    deleted.push(name);
  }
  return deleted;
}

async function writeBackup(ctx: AppContext, options: BackupOptions, dir: string): Promise<BackupResult> {
  const createdAt = new Date();
  const mediaTo = options.mediaTo ?? ctx.config.backup.mediaTo;
  // the mirror first: an archive that names it is written only once the media are there
  const mirror = mediaTo ? await mirrorMedia(ctx, mediaTo, { keepSeconds: options.keepSeconds ?? ctx.config.backup.keepSeconds, progress: options.progress }) : undefined;
  const database = await dumpDatabase(ctx, dir);
  const media = mirror ? [] : await storedMedia(ctx);
  const entries = [database, ...configEntries(ctx), ...media.map((file) => mediaEntry(ctx, file))];
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  options.progress?.start(total);
  const manifest = (files: Manifest['files']) =>
    Buffer.from(
      JSON.stringify(
        {
          format: ARCHIVE_FORMAT,
          version: 1,
          createdAt: createdAt.toISOString(),
          domain: ctx.config.localDomain,
          database: ctx.database.kind,
          files,
          ...(mirror && { mediaMirror: mirror.location }),
        } satisfies Manifest,
        null,
        2,
      ),
    );
  const plain = Readable.from(tarStream(entries, manifest, MANIFEST_PATH, (count) => options.progress?.increment(count)));
  const destination = openDestination(options.to, ctx.config.backup.s3);
  const name = archiveName(ctx.config.localDomain, createdAt);
  const location = await destination.write(name, await encryptStream(plain, options.recipients));
  options.progress?.stop();
  const deleted = options.keepSeconds ? await applyRetention(ctx, destination, options.keepSeconds, name) : [];
  return { location, bytes: total, files: entries.length, deleted, mirror };
}

/**
 * Writes one encrypted archive of the instance to `options.to`: the database, every file of the media
 * store (or, with a media mirror, the media's new and changed files copied to it), and the secrets
 * kept outside the database; then deletes archives past `keepSeconds`, and tells
 * the backup webhook how it went.
 */
export async function createBackup(ctx: AppContext, options: BackupOptions): Promise<BackupResult> {
  if (!options.recipients.length) throw new BackupError('a backup needs at least one recipient (age1…, from `subspace backup keygen`)');
  const dir = await mkdtemp(join(tmpdir(), 'subspace-backup-'));
  try {
    const result = await writeBackup(ctx, options, dir);
    await notifyBackupWebhook(
      ctx,
      `Subspace backup of ${ctx.config.localDomain} written: ${result.location} (${result.files} files${result.deleted.length ? `, ${result.deleted.length} old archives deleted` : ''}${result.mirror ? `; ${result.mirror.copied} media files copied to ${result.mirror.location}` : ''})`,
    );
    return result;
  } catch (error) {
    options.progress?.stop();
    await notifyBackupWebhook(ctx, `Subspace backup of ${ctx.config.localDomain} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
