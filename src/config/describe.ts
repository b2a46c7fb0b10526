import type { Config } from './index.ts';

/** Configuration fields whose values are secrets: printed masked (a webhook URL carries its secret in its path, as Slack's do). */
const SECRET_FIELD = /secret|password|passphrase|token|accessKey|webhook/i;
const MASK = '********';

/** A URL with its password masked (`redis://user:********@host`), other values as they are. */
function maskUrl(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return value;
  try {
    const parsed = new URL(value);
    if (!parsed.password) return value;
    parsed.password = MASK;
    return decodeURIComponent(parsed.toString());
  } catch {
    return value;
  }
}

function lines(prefix: string, value: unknown, out: string[]): void {
  if (value === undefined) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (SECRET_FIELD.test(key) && inner !== undefined && inner !== '') out.push(`${path} = ${MASK}`);
      else lines(path, inner, out);
    }
    return;
  }
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  out.push(`${prefix} = ${typeof value === 'string' ? maskUrl(text) : text}`);
}

/**
 * The effective configuration, one `path = value` line per setting (what `subspace config check`
 * prints): defaults filled in, secrets (keys, passwords, passwords inside URLs) masked.
 */
export function describeConfig(config: Config): string[] {
  const out: string[] = [];
  lines('', config, out);
  return out;
}
