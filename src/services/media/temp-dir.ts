import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prefix of this process's working directories for media (the process id tells whose they are). */
export const tempDirPrefix = () => `subspace-media-${process.pid}-`;

const WORKING_DIR = /^subspace-media-(\d+)-/;
/** Older than this, a directory is abandoned even if its pid is alive (reused): no transcode runs this long. */
const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;

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

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the working directories a killed process left (a worker stopped by SIGKILL or the OOM
 * killer mid-transcode leaves its upload and partial output, up to hundreds of MB): those of
 * processes that are gone, and any over six hours old. This process's own are never touched.
 * Returns how many were removed.
 */
export async function removeAbandonedTempDirs(now = Date.now()): Promise<number> {
  const root = tmpdir();
  let removed = 0;
  for (const name of await readdir(root).catch(() => [])) {
    const pid = Number(WORKING_DIR.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    if (isRunning(pid) && now - info.mtimeMs < ABANDONED_AFTER_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
