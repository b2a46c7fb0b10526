import { signRequest } from '@fedify/fedify';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts } from '../db/schema.ts';
import { DistributeActorUpdate } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { withFederation } from './federation.ts';
import { generateEd25519, generateRsa, instanceActorKeyPairs } from './keys.ts';
import { INSTANCE_ACTOR } from './paths.ts';

/*
 * What tootctl's account maintenance needs of federation: new keys for a local account (announced
 * by an Update of its actor), and whether a remote actor is gone from its server.
 */

/**
 * tootctl accounts rotate: the local account gets new RSA and Ed25519 key pairs, and its followers'
 * servers an Update of its actor carrying the new public keys (they check later signatures with it).
 */
export async function rotateAccountKeys(ctx: AppContext, accountId: string): Promise<boolean> {
  const [rsa, ed25519] = await Promise.all([generateRsa(), generateEd25519()]);
  const rotated = await ctx.db
    .update(accounts)
    .set({ ...rsa, ed25519PublicKeyPem: ed25519.publicKeyPem, ed25519PrivateKeyPem: ed25519.privateKeyPem, updatedAt: new Date() })
    .where(and(eq(accounts.id, accountId), isNull(accounts.domain)))
    .returning({ id: accounts.id });
  if (rotated.length === 0) return false;
  await enqueue(ctx, DistributeActorUpdate, { accountId });
  return true;
}

/** What the actor's server answered: gone (404 or 410), there, or no answer that says (an error, a 5xx, a refusal). */
export type ActorState = 'gone' | 'present' | 'unknown';

/**
 * Asks the actor's server for it, signed by the instance actor (servers in authorized fetch mode
 * answer signed requests only), as tootctl accounts cull does: only 404 and 410 mean gone.
 */
export async function remoteActorState(ctx: AppContext, uri: string): Promise<ActorState> {
  const [rsa] = await instanceActorKeyPairs(ctx);
  return withFederation(ctx, async (fctx) => {
    const keyId = new URL(`${fctx.getActorUri(INSTANCE_ACTOR).href}#main-key`);
    const unsigned = new Request(uri, { method: 'GET', headers: { accept: 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"' } });
    try {
      const response = await fetch(await signRequest(unsigned, rsa!.privateKey, keyId));
      void response.body?.cancel();
      if (response.status === 404 || response.status === 410) return 'gone';
      return response.ok ? 'present' : 'unknown';
    } catch (error) {
      ctx.log.debug({ err: error, uri }, 'accounts cull: no answer');
      return 'unknown';
    }
  });
}
