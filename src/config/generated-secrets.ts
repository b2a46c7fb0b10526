import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A secret an embedded instance makes for itself on first start and keeps in `<data dir>/secrets.json`
 * (readable by its owner only), beside the others: generated once, then read back on every start.
 */
export function storedSecret<T>(dataDir: string, name: string, generate: () => T, valid: (value: unknown) => value is T): T {
  const path = resolve(dataDir, 'secrets.json');
  const stored: Record<string, unknown> = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  const kept = stored[name];
  if (valid(kept)) return kept;
  const generated = generate();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, JSON.stringify({ ...stored, [name]: generated }, null, 2), { mode: 0o600 });
  return generated;
}
