import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importsOf, ROOT, sourceFiles } from './import-graph.ts';

const EVENTS_MODULE = 'src/services/instance/events.ts';
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const literals = (text: string) => new Set([...text.matchAll(/'([a-z_]+\.[a-z_]+)'/g)].map((match) => match[1]!));

/** The event types the DomainEvent union declares. */
function declaredTypes(): Set<string> {
  const source = read(EVENTS_MODULE);
  const union = source.slice(source.indexOf('export type DomainEvent'), source.indexOf('export const EVENTS_CHANNEL'));
  return literals(union);
}

/** The event types some publishEvent call sends, each with the files that send it. */
function publishedTypes(): Map<string, string[]> {
  const published = new Map<string, string[]>();
  for (const file of sourceFiles('src')) {
    for (const match of read(file).matchAll(/publishEvent\(\s*\w+,\s*\{\s*type:\s*'([a-z_.]+)'/g)) {
      published.set(match[1]!, [...(published.get(match[1]!) ?? []), file]);
    }
  }
  return published;
}

/** The event types named by a module that subscribes to the events channel (imports EVENTS_CHANNEL from the events module). */
function consumedTypes(): Set<string> {
  const consumed = new Set<string>();
  for (const file of sourceFiles('src')) {
    if (file === EVENTS_MODULE || !importsOf(file).some((edge) => edge.to === EVENTS_MODULE)) continue;
    const source = read(file);
    if (!/\bEVENTS_CHANNEL\b/.test(source)) continue;
    for (const type of literals(source)) consumed.add(type);
  }
  return consumed;
}

test('every published domain event has a consumer, and every declared one is published', () => {
  const declared = declaredTypes();
  const published = publishedTypes();
  const consumed = consumedTypes();
  assert.ok(declared.size > 0 && published.size > 0, 'the events module and its publishers are found');
  const unheard = [...published.keys()].filter((type) => !consumed.has(type)).map((type) => `${type} (published by ${published.get(type)!.join(', ')})`);
  assert.deepEqual(unheard, [], 'events nobody consumes: add a consumer or stop publishing them');
  const unpublished = [...declared].filter((type) => !published.has(type));
  assert.deepEqual(unpublished, [], 'declared events nobody publishes: remove them from DomainEvent');
  const undeclared = [...published.keys()].filter((type) => !declared.has(type));
  assert.deepEqual(undeclared, []);
});
