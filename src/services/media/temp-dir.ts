import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prefix of this process's working directories for media (the process id tells whose they are). */
export const tempDirPrefix = () => `subspace-media-${process.pid}-`;

/**
 * Runs `task` with a fresh private directory under the system's temporary directory (`TMPDIR`),
 * removed afterwards whatever happened: uploads and ffmpeg's outputs never outlive their processing.
 */
export async function withTempDir<T>(task: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), tempDirPrefix()));
  try {
    return await task(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
