import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/logger.ts';

/** The web client's sources (a Vite + Preact app) and where `vite build` puts it. */
export const CLIENT_SOURCE_DIR = fileURLToPath(new URL('../../client/', import.meta.url));
export const CLIENT_BUILD_DIR = join(CLIENT_SOURCE_DIR, 'dist');
const VITE = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));

function newestSourceTime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (path === CLIENT_SOURCE_DIR && (entry.startsWith('dist') || entry === 'node_modules')) continue;
    newest = Math.max(newest, newestSourceTime(join(path, entry)));
  }
  return newest;
}

/** Whether the built client is missing or older than any of its sources (or the Vite configuration). */
export function clientBuildIsStale(outDir = CLIENT_BUILD_DIR): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  return newestSourceTime(CLIENT_SOURCE_DIR) > statSync(index).mtimeMs;
}

/**
 * Runs `vite build` in a child process (its bundler stays out of the server's memory), into a
 * directory beside `outDir` that then takes its place: a process serving the old build (or another
 * build at the same time, as CI's two test passes in one checkout) never sees a half-written one.
 */
export async function buildClient(outDir = CLIENT_BUILD_DIR): Promise<void> {
  const fresh = `${outDir}.building-${process.pid}`;
  const old = `${outDir}.old-${process.pid}`;
  try {
    await viteBuild(fresh);
    if (existsSync(outDir)) renameSync(outDir, old);
    try {
      renameSync(fresh, outDir);
    } catch (error) {
      // another build took the place in between: its output is as fresh
      if (!existsSync(outDir)) throw error;
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

function viteBuild(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE, 'build', '--config', join(CLIENT_SOURCE_DIR, 'vite.config.ts'), '--logLevel', 'warn'], {
      env: { ...process.env, SUBSPACE_CLIENT_OUT_DIR: outDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${output}`))));
  });
}

/** Builds the client when it is missing or stale, so that `npm start` serves the sources as they are. */
export async function ensureClientBuilt(log: Logger): Promise<void> {
  if (!existsSync(join(CLIENT_SOURCE_DIR, 'vite.config.ts')) || !existsSync(VITE)) {
    if (!existsSync(join(CLIENT_BUILD_DIR, 'index.html'))) log.warn('the web client is neither built nor buildable here: /home will answer 503');
    return;
  }
  if (!clientBuildIsStale()) return;
  log.info('building the web client (vite build)');
  const started = Date.now();
  await buildClient();
  log.info(`built the web client in ${Date.now() - started} ms`);
}
