import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ImportEdge, importsOf, ROOT, sourceFiles } from './import-graph.ts';

/**
 * The direction of the arrows in src/ (docs: ../shared/design/architecture.md, "Arrows point down"):
 * http and streaming are the edges, services hold the domain, federation speaks ActivityPub, jobs
 * run work later. A rule names the files it governs and the imports they must not make.
 */
interface Rule {
  name: string;
  from: (file: string) => boolean;
  forbidden: (target: string) => boolean;
}

const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`);
const anyOf =
  (...tests: ((path: string) => boolean)[]) =>
  (path: string) =>
    tests.some((check) => check(path));

const RULES: Rule[] = [
  {
    name: 'serializers render, they never reach the domain, the edges or the network',
    from: under('src/serializers'),
    forbidden: anyOf(under('src/services'), under('src/http'), under('src/jobs'), under('src/federation')),
  },
  {
    // services may enqueue a job (src/jobs/definitions.ts, enqueue.ts) that then does the federation work
    name: 'services reach federation only through jobs',
    from: under('src/services'),
    forbidden: under('src/federation'),
  },
  {
    name: 'streaming never imports http (the streaming role must not load the API)',
    from: under('src/streaming'),
    forbidden: under('src/http'),
  },
  {
    name: 'no SQL in http: routes parse, call a service, render',
    from: under('src/http'),
    forbidden: (target) => target === 'drizzle-orm' || target.startsWith('drizzle-orm/') || target === 'src/db/schema.ts',
  },
];

/**
 * Violations still present, each `rule name: importer -> imported`. The render pipeline (issue 12,
 * "Load, then render") removes them: serializers become pure functions of preloaded data. Delete a
 * line when its import goes; the test fails on a listed violation that no longer exists, so the
 * list only shrinks.
 */
const KNOWN_VIOLATIONS = new Set<string>([
  // serializers still query through services (render helpers, filters, relationships)
]);

function violations(): string[] {
  const found: string[] = [];
  const edges: ImportEdge[] = sourceFiles('src').flatMap(importsOf);
  for (const rule of RULES) {
    for (const edge of edges) {
      if (rule.from(edge.from) && rule.forbidden(edge.to)) found.push(`${rule.name}: ${edge.from} -> ${edge.to}`);
    }
  }
  // a tagged sql`` template is SQL whatever it imports
  for (const file of sourceFiles('src/http')) {
    if (/\bsql`/.test(readFileSync(join(ROOT, file), 'utf8'))) found.push(`no SQL in http: routes parse, call a service, render: ${file} -> sql\`\``);
  }
  return [...new Set(found)].sort();
}

test('src/ imports follow the rules, apart from the listed violations', () => {
  const present = violations();
  const unlisted = present.filter((violation) => !KNOWN_VIOLATIONS.has(violation));
  assert.deepEqual(unlisted, [], 'new import-rule violations: fix them (or, if the rule is wrong, change the rule, not the list)');
  const gone = [...KNOWN_VIOLATIONS].filter((violation) => !present.includes(violation));
  assert.deepEqual(gone, [], 'these listed violations are fixed: remove them from KNOWN_VIOLATIONS');
});

test('the import graph sees static, dynamic and type imports, resolved', () => {
  const edges = importsOf('src/roles/boot.ts').map((edge) => edge.to);
  assert.ok(edges.includes('src/context.ts') || edges.some((to) => to.startsWith('src/')), 'relative imports are resolved from the repository root');
  assert.ok(edges.includes('src/streaming/hub.ts'), 'a dynamic import() is an edge');
});
