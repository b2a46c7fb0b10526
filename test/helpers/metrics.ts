/** The exporter switched on, on a free port of loopback (Mastodon's variables). */
export const METRICS_ENV = {
  MASTODON_PROMETHEUS_EXPORTER_ENABLED: 'true',
  MASTODON_PROMETHEUS_EXPORTER_HOST: '127.0.0.1',
  MASTODON_PROMETHEUS_EXPORTER_PORT: '0',
};

/** One sample of Prometheus' text format: `name{label="value",…} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples `GET <exporter>/metrics` answers. */
export async function scrape(exporterUrl: string): Promise<Sample[]> {
  const response = await fetch(`${exporterUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(await response.text());
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((sum, sample) => sum + sample.value, 0);
}

/** The metric families a scrape exposes (a histogram's `_bucket`, `_sum` and `_count` under its own name too). */
export function metricNames(samples: Sample[]): Set<string> {
  const names = new Set<string>();
  for (const { name } of samples) {
    names.add(name);
    names.add(name.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'le', 'inf', 'nan']);

/** The metric names a PromQL expression reads (a histogram's `_bucket`, `_sum` and `_count` as the histogram). */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '0');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = match;
    if (call || PROMQL_WORDS.has(name!.toLowerCase())) continue;
    names.add(name!.replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names];
}
