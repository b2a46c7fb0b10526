import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads `.env.production` then `.env` from `dir` (as Mastodon's dotenv setup does) without
 * overriding variables already present in the real environment.
 */
export function withEnvFiles(env: NodeJS.ProcessEnv, dir = process.cwd()): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const name of ['.env', '.env.production']) {
    const path = `${dir}/${name}`;
    if (existsSync(path)) Object.assign(merged, parseEnv(readFileSync(path, 'utf8')));
  }
  return { ...merged, ...env };
}
