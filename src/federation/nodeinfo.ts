import type { Context, NodeInfo } from '@fedify/fedify';
import type { AppContext } from '../context.ts';
import { instanceStats } from '../services/instance/instance.ts';
import { SOURCE_URL, SUBSPACE_VERSION } from '../lib/instance-limits.ts';
import { getSettings } from '../services/accounts/settings.ts';

/**
 * NodeInfo as Mastodon fills it, under Subspace's own name: `software.name` is "subspace" (with its
 * own version) because NodeInfo names the software that runs, and clients that care about Mastodon
 * compatibility read the instance API's `version` ("4.3.0 (compatible; Subspace …)") instead.
 */
export async function nodeInfo(fctx: Context<AppContext>): Promise<NodeInfo> {
  const ctx = fctx.data;
  const [stats, settings] = await Promise.all([instanceStats(ctx), getSettings(ctx)]);
  return {
    software: { name: 'subspace', version: SUBSPACE_VERSION, repository: new URL(SOURCE_URL) },
    protocols: ['activitypub'],
    services: { inbound: [], outbound: [] },
    openRegistrations: settings.registrations_mode !== 'none' && !ctx.config.singleUserMode,
    usage: {
      users: { total: stats.userCount, activeMonth: stats.activeMonth, activeHalfyear: stats.activeHalfyear ?? stats.activeMonth },
      localPosts: stats.statusCount,
      localComments: 0,
    },
    metadata: { nodeName: settings.site_title, nodeDescription: settings.site_short_description },
  };
}

/** The same document as NodeInfo 2.0 (Mastodon serves only 2.0): no `software.repository`/`homepage`, which 2.0's schema forbids. */
export function asNodeInfo20(json: Record<string, unknown>): Record<string, unknown> {
  const software = { ...(json.software as Record<string, unknown>) };
  delete software.repository;
  delete software.homepage;
  const { $schema: _schema, ...rest } = json;
  return { ...rest, version: '2.0', software };
}
