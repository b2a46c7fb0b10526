import type { AppContext } from '../../context.ts';
import { runHomeRegeneration } from '../../services/feeds/home-regeneration.ts';

/** RegenerationWorker: rebuilds a missing home feed from the database. */
export async function runRegeneration(ctx: AppContext, data: { accountId: string }) {
  await runHomeRegeneration(ctx, data.accountId);
}
