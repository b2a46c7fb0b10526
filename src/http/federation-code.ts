import { lazy } from '../lib/lazy.ts';

/**
 * The federation code (src/federation/ with Fedify and its ActivityPub vocabulary, ~45 MB of a
 * process) imported by the first request that needs it, not by every web process: one serving only
 * the client API, or not yet federating, never loads it.
 */
export const federationCode = lazy(async () => {
  const [actors, audience, authorize, federation, statuses, resolveAccount, fetchStatus, resolveFresh] = await Promise.all([
    import('../federation/actors.ts'),
    import('../federation/audience.ts'),
    import('../federation/authorize.ts'),
    import('../federation/federation.ts'),
    import('../federation/statuses.ts'),
    import('../federation/resolve-account.ts'),
    import('../federation/fetch-status.ts'),
    import('../federation/resolve-fresh.ts'),
  ]);
  return { ...actors, ...audience, ...authorize, ...federation, ...statuses, ...resolveAccount, ...fetchStatus, ...resolveFresh };
});
