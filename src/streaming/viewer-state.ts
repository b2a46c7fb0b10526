import { eq, or } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accountDomainBlocks, blocks, mutes, users } from '../db/schema.ts';
import type { FilterResult } from '../serializers/status.ts';
import { activeFiltersFor, matchFilters } from '../services/moderation/filters.ts';
import { filterableText, type LoadedFilter } from '../lib/filter-matching.ts';

/**
 * What a viewer's public and hashtag streams are filtered by: their blocks (both ways), mutes,
 * domain blocks, chosen languages and `public` keyword filters. Loaded once per account per
 * streaming process and reloaded when the domain events say one of them changed, so a message to
 * thousands of connections costs no query.
 */
export interface ViewerState {
  blocking: Set<string>;
  blockedBy: Set<string>;
  /** muted account → when the mute ends (null: never) */
  muting: Map<string, number | null>;
  domainBlocks: Set<string>;
  chosenLanguages: string[] | null;
  filters: LoadedFilter[];
}

export async function loadViewerState(ctx: AppContext, accountId: string): Promise<ViewerState> {
  const [blockRows, muteRows, domainRows, userRows, filters] = await Promise.all([
    ctx.db
      .select({ accountId: blocks.accountId, targetAccountId: blocks.targetAccountId })
      .from(blocks)
      .where(or(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, accountId))),
    ctx.db.select({ targetAccountId: mutes.targetAccountId, expiresAt: mutes.expiresAt }).from(mutes).where(eq(mutes.accountId, accountId)),
    ctx.db.select({ domain: accountDomainBlocks.domain }).from(accountDomainBlocks).where(eq(accountDomainBlocks.accountId, accountId)),
    ctx.db.select({ chosenLanguages: users.chosenLanguages }).from(users).where(eq(users.accountId, accountId)),
    activeFiltersFor(ctx, accountId, 'public'),
  ]);
  const chosen = userRows[0]?.chosenLanguages;
  return {
    blocking: new Set(blockRows.filter((row) => row.accountId === accountId).map((row) => row.targetAccountId)),
    blockedBy: new Set(blockRows.filter((row) => row.targetAccountId === accountId).map((row) => row.accountId)),
    muting: new Map(muteRows.map((row) => [row.targetAccountId, row.expiresAt?.getTime() ?? null])),
    domainBlocks: new Set(domainRows.map((row) => row.domain.toLowerCase())),
    chosenLanguages: chosen && chosen.length > 0 ? chosen : null,
    filters,
  };
}

/** The parts of a rendered Status the filter looks at. */
interface StreamedStatus {
  id: string;
  language?: string | null;
  spoiler_text?: string;
  content?: string;
  account?: { id: string; acct: string };
  mentions?: { id: string }[];
  poll?: { options: { title: string }[] } | null;
}

/**
 * Whether a public `update` reaches this viewer (Mastodon streaming's per-connection checks), and
 * what their keyword filters found in it: `null` to drop it, else the FilterResults to add.
 */
export function admitStatus(state: ViewerState, viewerId: string, status: StreamedStatus): FilterResult[] | null {
  const authorId = status.account?.id;
  if (authorId === viewerId) return [];
  if (state.chosenLanguages && status.language && !state.chosenLanguages.includes(status.language)) return null;
  const targets = [authorId, ...(status.mentions ?? []).map((mention) => mention.id)].filter((id): id is string => !!id);
  const now = Date.now();
  for (const target of targets) {
    if (state.blocking.has(target)) return null;
    const muteEnds = state.muting.get(target);
    if (muteEnds !== undefined && (muteEnds === null || muteEnds > now)) return null;
  }
  if (authorId && state.blockedBy.has(authorId)) return null;
  const domain = status.account?.acct.split('@')[1]?.toLowerCase();
  if (domain && state.domainBlocks.has(domain)) return null;
  if (state.filters.length === 0) return [];
  const text = filterableText(
    { spoilerText: status.spoiler_text ?? '', content: status.content ?? '' },
    status.poll?.options.map((option) => option.title),
  );
  const results = matchFilters(state.filters, status.id, text);
  const hides = results.some((result) => (result.filter as { filter_action?: string }).filter_action === 'hide');
  return hides ? null : results;
}
