import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

/**
 * `node --import ./test/helpers/module-recorder.ts …`: records the URL of every module this
 * thread loads and writes them, one a line, to SUBSPACE_MODULE_RECORD when the process exits.
 */
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  const file = process.env.SUBSPACE_MODULE_RECORD;
  if (file) writeFileSync(file, [...loaded].join('\n'));
});
