import type { WrittenFile } from './tar-writer.ts';

/** The archive's last file: what it holds and each other file's checksum. */
export const MANIFEST_PATH = 'manifest.json';
export const ARCHIVE_FORMAT = 'subspace-backup';

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  version: 1;
  createdAt: string;
  domain: string;
  /** the database's dump: `database/pglite.tar` (embedded) or `database/postgres.dump` (pg_dump's custom format) */
  database: 'pglite' | 'postgres';
  files: WrittenFile[];
  /** the media are not in the archive but in this bucket (`BACKUP_MEDIA_TO`, copied incrementally) */
  mediaMirror?: string;
}

export const DATABASE_PATHS = { pglite: 'database/pglite.tar', postgres: 'database/postgres.dump' } as const;
/** media files are archived under this, by their storage key */
export const MEDIA_PREFIX = 'media/';
export const CONFIG_PREFIX = 'config/';

export function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const manifest = value as Partial<Manifest>;
  return manifest.format === ARCHIVE_FORMAT && manifest.version === 1 && (manifest.database === 'pglite' || manifest.database === 'postgres') && Array.isArray(manifest.files);
}
