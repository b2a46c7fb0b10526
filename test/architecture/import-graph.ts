import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Every .ts file under a directory of the repository, as paths relative to the repository. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name))
    .sort();
}

export interface ImportEdge {
  from: string;
  /** the resolved path, relative to the repository, for a relative import; the bare specifier otherwise */
  to: string;
}

/** The static imports, re-exports, `import()` calls and `import('x')` types of one file, resolved. */
export function importsOf(file: string): ImportEdge[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map(({ fileName }) => ({
    from: file,
    to: fileName.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), fileName)) : fileName,
  }));
}
