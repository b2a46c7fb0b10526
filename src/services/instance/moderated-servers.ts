import type { AppContext } from '../../context.ts';
import { getSettings, type Disclosure } from '../accounts/settings.ts';
import type { DomainBlockRow } from '../../db/schema.ts';
import { userFacingDomainBlocks } from '../relationships/block-domain.ts';

/** Mastodon's show_domain_blocks / show_domain_blocks_rationale: to nobody, to signed-in users, or to all. */
export function disclosedTo(setting: Disclosure | undefined, signedIn: boolean): boolean {
  const value = setting ?? 'disabled';
  return signedIn ? value !== 'disabled' : value === 'all';
}

/**
 * The moderated servers (silenced and suspended domains) as the settings let this visitor see them,
 * for both `/api/v1/instance/domain_blocks` and `/about`; undefined when they are not shown.
 */
export async function moderatedServers(ctx: AppContext, signedIn: boolean): Promise<{ blocks: DomainBlockRow[]; withComment: boolean } | undefined> {
  const settings = await getSettings(ctx);
  if (!disclosedTo(settings.show_domain_blocks, signedIn)) return undefined;
  return { blocks: await userFacingDomainBlocks(ctx), withComment: disclosedTo(settings.show_domain_blocks_rationale, signedIn) };
}
