import type { AppContext } from '../context.ts';
import { CacheKvStore } from './kv-store.ts';

/**
 * Which HTTP signature spec outbound requests use. Deliveries and signed fetches are signed with
 * draft-cavage first, as Mastodon signs them: many servers (snac, Misskey…) answer 202 before they
 * verify, so a first knock with a spec they cannot check would look delivered and be dropped.
 * Fedify retries a refused first knock with RFC 9421 and remembers, per origin, the spec that got
 * through (under SIGNATURE_SPEC_PREFIX in its KV store); later requests to that origin use it first.
 */
export const SIGNATURE_FIRST_KNOCK = 'draft-cavage-http-signatures-12';

/**
 * Not Fedify's default prefix: what it remembered there came from RFC 9421 first knocks that such
 * servers only seemed to accept, and would keep every delivery to them lost.
 */
export const SIGNATURE_SPEC_PREFIX = ['subspace', 'signatureSpec'] as const;

const SIGNATURE_REFUSED = new Set([400, 401]);

/**
 * After a delivery that knocked twice: Fedify remembers the second spec whenever the first knock got
 * any error, but only a 400 or 401 says the signature was refused. A server that was merely down for
 * the first knock (a 5xx) has not refused draft-cavage, so what was remembered is forgotten, and the
 * next delivery knocks with draft-cavage again.
 */
export async function forgetUnprovenSpec(ctx: AppContext, inbox: string, statuses: readonly number[]): Promise<void> {
  if (statuses.length < 2 || SIGNATURE_REFUSED.has(statuses[0]!)) return;
  await new CacheKvStore(ctx.cache).delete([...SIGNATURE_SPEC_PREFIX, new URL(inbox).origin]);
}
