import type { AppContext } from '../context.ts';
import type { ArchiveRenderer } from '../services/exports/build-archive.ts';
import { accountActor } from './actors.ts';
import { withFederation } from './federation.ts';
import { statusActivities } from './statuses.ts';

type Json = Record<string, unknown>;

/**
 * The ActivityPub documents of a member's archive (BackupService): each status's activity (its
 * Create, or a boost's Announce) and the actor, as this instance serves them.
 */
export function archiveRenderer(ctx: AppContext): ArchiveRenderer {
  return {
    activities: (author, rows) =>
      withFederation(ctx, async (fctx) => {
        const activities = await statusActivities(
          fctx,
          rows.map((status) => ({ status, author })),
        );
        return Promise.all(activities.map(async (activity) => (await activity.toJsonLd({ contextLoader: fctx.contextLoader })) as Json));
      }),
    actor: (account) =>
      withFederation(ctx, async (fctx) => {
        const actor = await accountActor(fctx, account);
        return (await actor.toJsonLd({ contextLoader: fctx.contextLoader })) as Json;
      }),
  };
}
