import { relative } from 'node:path';

/**
 * A node:test reporter (npm test adds it, on stderr): when the run ends, the slowest test files
 * and the total, so the time each file costs CI shows in every run. Files run one after another,
 * so a file's time is from the previous file's last report to its own last report: its process's
 * start, module loading and setup included.
 */
export default async function* slowestFiles(source: AsyncIterable<{ type: string; data?: { file?: string } }>): AsyncGenerator<string> {
  const started = Date.now();
  const order: string[] = [];
  const lastReport = new Map<string, number>();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    if (!lastReport.has(file)) order.push(file);
    lastReport.set(file, Date.now());
  }
  if (order.length === 0) return;
  const spans: [string, number][] = [];
  let previous = started;
  for (const file of [...order].sort((a, b) => lastReport.get(a)! - lastReport.get(b)!)) {
    const end = lastReport.get(file)!;
    spans.push([relative(process.cwd(), file), end - previous]);
    previous = end;
  }
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(7)} s`;
  const slowest = spans.sort((a, b) => b[1] - a[1]).slice(0, 25);
  yield `\nslowest test files (${order.length} files, ${seconds(Date.now() - started).trim()} in all):\n`;
  for (const [file, ms] of slowest) yield `${seconds(ms)}  ${file}\n`;
}
