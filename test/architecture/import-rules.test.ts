import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ImportEdge, importsOf, ROOT, sourceFiles } from './import-graph.ts';

/**
 * The direction of the arrows in src/ (issue 12, "Arrows point down, enforced"):
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

const SERIALIZERS = 'serializers render, they never reach the domain, the edges or the network';

const RULES: Rule[] = [
  {
    name: SERIALIZERS,
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

function ruleViolations(edges: ImportEdge[]): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    for (const edge of edges) {
      if (rule.from(edge.from) && rule.forbidden(edge.to)) found.push(`${rule.name}: ${edge.from} -> ${edge.to}`);
    }
  }
  return found;
}

function violations(): string[] {
  const found = ruleViolations(sourceFiles('src').flatMap(importsOf));
  // a tagged sql`` template is SQL whatever it imports
  for (const file of sourceFiles('src/http')) {
    if (/\bsql`/.test(readFileSync(join(ROOT, file), 'utf8'))) found.push(`no SQL in http: routes parse, call a service, render: ${file} -> sql\`\``);
  }
  return [...new Set(found)].sort();
}

test('src/ imports follow the rules', () => {
  assert.deepEqual(violations(), [], 'import-rule violations: fix them (or, if the rule is wrong, change the rule)');
});

test('the import graph sees static, dynamic and type imports, resolved', () => {
  const edges = importsOf('src/roles/boot.ts').map((edge) => edge.to);
  assert.ok(edges.includes('src/context.ts') || edges.some((to) => to.startsWith('src/')), 'relative imports are resolved from the repository root');
  assert.ok(edges.includes('src/streaming/hub.ts'), 'a dynamic import() is an edge');
});

test('each rule flags what it forbids and lets the rest through', () => {
  const flagged = (from: string, to: string) => ruleViolations([{ from, to }]).length > 0;
  assert.ok(flagged('src/streaming/routes.ts', 'src/http/plugins/cors.ts'));
  assert.ok(flagged('src/services/statuses/post-status.ts', 'src/federation/deliver-status.ts'));
  assert.ok(flagged('src/serializers/status.ts', 'src/services/moderation/filters.ts'));
  assert.ok(flagged('src/http/api/v1/lists.ts', 'drizzle-orm'));
  assert.ok(flagged('src/http/api/v1/lists.ts', 'src/db/schema.ts'));
  assert.ok(!flagged('src/services/statuses/post-status.ts', 'src/jobs/enqueue.ts'), 'services may enqueue jobs');
  assert.ok(!flagged('src/federation/inbox/create.ts', 'src/services/activitypub/create-remote-status.ts'), 'federation calls services');
  assert.ok(!flagged('src/http/api/v1/lists.ts', 'src/services/relationships/lists.ts'));
});
