import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openPglite } from '../../src/db/pglite.ts';
import { pgliteTemplate } from './instance.ts';
import { scratchDir } from './scratch.ts';

/**
 * For tests of the embedded driver itself (in server mode too): copies of the migrated PGlite
 * template, opened in the thread asked for, and empty directories, all removed after the file.
 */
export function pgliteCopies(prefix: string) {
  let template: string;
  const dirs: string[] = [];
  before(async () => {
    template = await pgliteTemplate();
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const emptyDir = () => {
    const dir = mkdtempSync(join(scratchDir, `subspace-${prefix}-`));
    dirs.push(dir);
    return dir;
  };
  return {
    emptyDir,
    /** A copy of the migrated database, opened in the given thread. */
    open(thread: 'main' | 'worker') {
      const dir = emptyDir();
      cpSync(template, dir, { recursive: true });
      return openPglite({ dataDir: dir }, { thread });
    },
  };
}
