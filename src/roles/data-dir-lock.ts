import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The process that holds the embedded database, if it is still alive. */
export function lockHolder(dataDir: string): number | undefined {
  const path = join(dataDir, 'subspace.pid');
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** PGlite must be opened by one process at a time; this pid file makes a second one stop with a clear message. */
export function acquireDataDirLock(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder && holder !== process.pid) {
    throw new Error(`another Subspace process (pid ${holder}) is using ${dataDir}; stop it first, or use the CLI, which talks to it`);
  }
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'subspace.pid');
  writeFileSync(path, String(process.pid));
  return () => {
    if (lockHolder(dataDir) === process.pid) rmSync(path, { force: true });
  };
}
