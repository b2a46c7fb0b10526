import { isIP } from 'node:net';

/** An address with its prefix (`10.0.0.0/8`, `2001:db8::/32`; a single address gets /32 or /128), or undefined when it is none. */
export function parseCidr(input: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const [address = '', prefixText, extra] = input.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: family as 4 | 6 };
}

/** How the admin API shows a block's range: always with its prefix, as Mastodon's `"#{ip}/#{ip.prefix}"`. */
export function ipWithPrefix(ip: string): string {
  if (ip.includes('/')) return ip;
  return `${ip}/${isIP(ip) === 6 ? 128 : 32}`;
}
