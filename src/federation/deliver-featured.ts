import { Add, Remove } from '@fedify/vocab';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, statuses } from '../db/schema.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';

const DISTRIBUTABLE = ['public', 'unlisted', 'private'];

/**
 * The push job behind a member's pin or unpin (ActivityPub::AddSerializer and RemoveSerializer,
 * sent by the pins controller through ActivityPub::RawDistributionWorker): Add or Remove of the
 * status's URI to or from the member's featured collection, to the followers' servers, one
 * delivery per shared inbox.
 */
export async function deliverFeaturedActivity(ctx: AppContext, data: { action: 'add' | 'remove'; accountId: string; statusId: string }): Promise<void> {
  const [row] = await ctx.db
    .select({ status: statuses, author: accounts })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, data.statusId), eq(statuses.accountId, data.accountId), isNull(accounts.domain)));
  if (!row?.status.uri || !DISTRIBUTABLE.includes(row.status.visibility)) return;
  // a pin of a status deleted since is not announced
  if (data.action === 'add' && row.status.deletedAt) return;
  const { status, author } = row;
  const identifier = accountIdentifier(author);
  await withFederation(ctx, async (fctx) => {
    const values = {
      id: new URL(`${author.uri}#${data.action === 'add' ? 'adds' : 'removes'}/featured/${status.id}/${Date.now()}`),
      actor: new URL(author.uri),
      target: fctx.getFeaturedUri(identifier),
      object: new URL(status.uri!),
    };
    const activity = data.action === 'add' ? new Add(values) : new Remove(values);
    await fctx.sendActivity({ identifier }, 'followers', activity, { preferSharedInbox: true });
  });
}
