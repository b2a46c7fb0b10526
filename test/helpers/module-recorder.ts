import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/**
 * `node --import ./test/helpers/module-recorder.ts …`: records the URL of every module the main
 * thread loads and writes them, one a line, to SUBSPACE_MODULE_RECORD when the process exits,
 * followed by Node's own modules that it loaded, internal ones included (`node-internal:` and the
 * id, e.g. `node-internal:internal/deps/undici/undici`), which no hook sees.
 * Worker threads (the embedded database's) run this too, and record nothing.
 */
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  if (!isMainThread) return;
  const file = process.env.SUBSPACE_MODULE_RECORD;
  const builtins = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
    .filter((entry) => entry.startsWith('NativeModule '))
    .map((entry) => `node-internal:${entry.slice('NativeModule '.length)}`);
  if (file) writeFileSync(file, [...loaded, ...builtins].join('\n'));
});
