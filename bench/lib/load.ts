/** The closed-loop load generator the benchmarks share: N concurrent loops, each awaiting its request. */
export interface Measurement {
  requests: number;
  non2xx: number;
  errors: number;
  latencies: number[];
  seconds: number;
  firstError?: string;
}

/** Runs `connections` loops of `send` until `seconds` have passed; `record` false is a warm-up. */
export async function measure(send: () => Promise<Response>, connections: number, seconds: number, record: boolean): Promise<Measurement> {
  const result: Measurement = { requests: 0, non2xx: 0, errors: 0, latencies: [], seconds };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        const response = await send();
        await response.arrayBuffer();
        const elapsed = performance.now() - begin;
        if (!record) continue;
        result.requests += 1;
        result.latencies.push(elapsed);
        if (response.status < 200 || response.status >= 300) {
          result.non2xx += 1;
          result.firstError ??= `HTTP ${response.status}`;
        }
      } catch (error) {
        if (!record) continue;
        result.errors += 1;
        result.firstError ??= error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
        // a refused connection fails at once; do not spin
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);

/** One table row: name, requests, req/s, p50, p99, non-2xx, errors. */
export function summarize(name: string, result: Measurement): string[] {
  const latencies = Array.from(Float64Array.from(result.latencies).sort());
  return [name, String(result.requests), (result.requests / result.seconds).toFixed(1), ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), String(result.non2xx), String(result.errors)];
}

export function printTable(rows: string[][]) {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}
