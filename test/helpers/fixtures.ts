import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Activity } from '@fedify/vocab';

const FOLDER = join(import.meta.dirname, '..', 'federation', 'fixtures');

/** An ActivityPub payload kept in test/federation/fixtures, as JSON. */
export function loadFixture(name: string): any {
  return JSON.parse(readFileSync(join(FOLDER, name), 'utf8'));
}

/** The JSON with every occurrence of each key replaced by its value (moving a fixture to another server). */
export function rewrite(json: unknown, replacements: Record<string, string>): any {
  let text = JSON.stringify(json);
  // longest first, so an actor URI is replaced before the origin it starts with
  for (const [from, to] of Object.entries(replacements).sort(([a], [b]) => b.length - a.length)) text = text.replaceAll(from, to);
  return JSON.parse(text);
}

/** Pleroma's context, which Pleroma serves itself at /schemas/litepub-0.1.jsonld. */
export const LITEPUB_CONTEXT = loadFixture('litepub-0.1.jsonld');
const isLitepub = (value: unknown) => typeof value === 'string' && value.endsWith('/schemas/litepub-0.1.jsonld');

/**
 * Parses a fixture offline, as Fedify parses what an inbox receives: Pleroma's remote context is
 * put inline (what fetching it would give); every other context is one Fedify preloads.
 */
export async function parseActivity(json: any): Promise<Activity> {
  const context = json['@context'];
  const inlined = Array.isArray(context) ? context.flatMap((entry: unknown) => (isLitepub(entry) ? LITEPUB_CONTEXT['@context'] : [entry])) : context;
  return Activity.fromJsonLd({ ...json, '@context': inlined });
}
