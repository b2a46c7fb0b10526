/** Archives are named `subspace-<domain>-<UTC time>.tar.age`, so retention finds this instance's by name. */

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('.', '');
const safeDomain = (domain: string) => domain.replace(/[^a-z0-9.-]/gi, '_');

export function archiveName(domain: string, date: Date): string {
  return `subspace-${safeDomain(domain)}-${stamp(date)}.tar.age`;
}

/** When an archive of this instance was made, from its name; undefined for any other file. */
export function archiveDate(domain: string, name: string): Date | undefined {
  const prefix = `subspace-${safeDomain(domain)}-`;
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z\.tar\.age$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
}
