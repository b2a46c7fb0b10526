import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/**
 * `node --import ./test/helpers/module-recorder.ts …`: records the URL of every module the main
 * thread loads and writes them, one a line, to SUBSPACE_MODULE_RECORD when the process exits.
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
  if (file) writeFileSync(file, [...loaded].join('\n'));
});
