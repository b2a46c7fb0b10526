import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { enableCompileCache, registerHooks, type ResolveFnOutput } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Makes a process start faster: imported (or `--import`ed) before the application's modules load.
 * Each subspace process and each test file pays for loading ~1,800 modules, so this is most of the
 * time a short CLI command or a small test file takes.
 *
 * 1. Node's compile cache (NODE_COMPILE_CACHE, else subspace-compile-cache-<uid> in the OS temp
 *    dir): code caches and stripped TypeScript are reused by the next process. Node checks each
 *    entry against the source, so an edited file is compiled again. A cache directory someone else
 *    could write to is not used: its entries become code this process runs.
 * 2. Resolution shortcuts around a cost in Node 24's ES module resolver: every time it resolves a
 *    module in a package, it re-parses that package's whole "exports" field from package.json.
 *    drizzle-orm's is 130 KB and ~450 of its files load, about a second of CPU per process.
 *    - A relative specifier ending in .js, from a file in node_modules, to a file under a
 *      package.json with "type": "module", is that file as an ES module (what Node answers too).
 *    - A bare specifier ('drizzle-orm', 'fastify') resolves the same from every file of one
 *      directory, so it is resolved once per directory.
 */
/** Our own directory in the temp dir, or undefined when it is not safely ours. */
function privateCacheDir(): string | undefined {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `subspace-compile-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return dir;
}

if (!process.env.NODE_COMPILE_CACHE) {
  const dir = privateCacheDir();
  if (dir) {
    // Node skips a cache it cannot write to
    enableCompileCache(dir);
    // worker threads (the embedded database's) read it from the environment when they start
    process.env.NODE_COMPILE_CACHE = dir;
  }
}

const moduleScopeOfDir = new Map<string, boolean>();

/** Whether the nearest package.json above `dir` says "type": "module" (cached per directory). */
function inModuleScope(dir: string): boolean {
  const known = moduleScopeOfDir.get(dir);
  if (known !== undefined) return known;
  let answer: boolean;
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    try {
      answer = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
    } catch {
      answer = false;
    }
  } else {
    const parent = dirname(dir);
    answer = parent !== dir && inModuleScope(parent);
  }
  moduleScopeOfDir.set(dir, answer);
  return answer;
}

const bareResolutions = new Map<string, ResolveFnOutput>();

/** Not relative, absolute, a URL (node:, file:, data:) or a package import (#x). */
const isBare = (specifier: string) => !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:|#)/i.test(specifier);

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (!parent?.startsWith('file:')) return nextResolve(specifier, context);
    if (isBare(specifier)) {
      const key = [parent.slice(0, parent.lastIndexOf('/')), specifier, context.conditions.join(), JSON.stringify(context.importAttributes)].join('\0');
      let resolved = bareResolutions.get(key);
      if (!resolved) {
        resolved = nextResolve(specifier, context);
        bareResolutions.set(key, resolved);
      }
      return { ...resolved, shortCircuit: true };
    }
    if (parent.includes('/node_modules/') && (specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
      const url = new URL(specifier, parent);
      const path = fileURLToPath(url);
      if (path.includes('/node_modules/') && existsSync(path) && inModuleScope(dirname(path))) {
        return { url: url.href, format: 'module', shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
});
