import type { AppContext } from '../../context.ts';
import type { DistributionFacts } from '../../services/feeds/distribution-facts.ts';
import { distributeStatus, mergeIntoHome, removeStatusFromFeeds, unmergeFromHome } from '../../services/feeds/fan-out.ts';

/** DistributionWorker: fan-out of a new status or reblog to home, list and hashtag-follower feeds (`facts`: as the job read them). */
export async function runDistribution(ctx: AppContext, data: { statusId: string; update?: boolean }, facts: DistributionFacts | undefined) {
  await distributeStatus(ctx, data.statusId, { update: data.update === true, facts });
}

/** RemovalWorker: a deleted status leaves every feed. */
export async function runFeedRemoval(ctx: AppContext, data: { statusId: string }) {
  await removeStatusFromFeeds(ctx, data.statusId);
}

/** MergeWorker: a newly followed account's recent statuses join the follower's home. */
export async function runFeedMerge(ctx: AppContext, data: { accountId: string; targetAccountId: string }) {
  await mergeIntoHome(ctx, data.accountId, data.targetAccountId);
}

/** UnmergeWorker: an unfollowed, blocked or muted account's statuses leave the home and lists. */
export async function runFeedUnmerge(ctx: AppContext, data: { accountId: string; targetAccountId: string }) {
  await unmergeFromHome(ctx, data.accountId, data.targetAccountId);
}
