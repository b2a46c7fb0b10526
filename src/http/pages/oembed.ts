import type { FastifyInstance } from 'fastify';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { findAccountById, lookupAccount } from '../../services/accounts/account-lookup.ts';
import { findVisibleStatus } from '../../services/statuses/visibility.ts';
import { ApiError } from '../../lib/errors.ts';
import { params, text } from '../plugins/params.ts';
import { escapeHtml } from '../../lib/html.ts';

const DEFAULT_WIDTH = 400;

/** The status a URL of this server names (StatusFinder: `/@user/:id`, `/users/user/statuses/:id` or `/ap/users/:account_id/statuses/:id`). */
function statusPathOf(ctx: AppContext, url: string): { username: string; id: string } | { accountId: string; id: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.host.toLowerCase() !== ctx.config.webDomain.toLowerCase()) return undefined;
  const byId = /^\/ap\/users\/(\d+)\/statuses\/(\d+)\/?$/.exec(parsed.pathname);
  if (byId) return { accountId: byId[1]!, id: byId[2]! };
  const match = /^\/@([^/@]+)\/(\d+)\/?$/.exec(parsed.pathname) ?? /^\/users\/([^/]+)\/statuses\/(\d+)\/?$/.exec(parsed.pathname);
  return match ? { username: decodeURIComponent(match[1]!), id: match[2]! } : undefined;
}

const positive = (value: string | undefined) => (value && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : null);

/**
 * `/api/oembed?url=` (Api::OEmbedController with OEmbedSerializer): a public or unlisted post of a
 * member, as an iframe of its embed page. Any other post is not found.
 */
export function oembedRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/oembed', async (request, reply) => {
    const input = params(request);
    const path = statusPathOf(ctx, text(input.url) ?? '');
    const found = !path ? undefined : 'username' in path ? await lookupAccount(ctx, path.username) : await findAccountById(ctx, path.accountId);
    const status = found && !found.account.domain && !found.account.suspendedAt ? await findVisibleStatus(ctx, path!.id, null) : undefined;
    if (!found || !status || status.accountId !== found.account.id || status.reblogOfId) throw new ApiError(404, 'Record not found');
    const { account } = found;
    const base = baseUrl(ctx.config);
    const width = positive(text(input.maxwidth)) ?? DEFAULT_WIDTH;
    const height = positive(text(input.maxheight));
    const embed = `${base}/@${account.username}/${status.id}/embed`;
    reply.header('cache-control', 'public, max-age=180');
    return {
      type: 'rich',
      version: '1.0',
      author_name: account.displayName || account.username,
      author_url: `${base}/@${account.username}`,
      provider_name: ctx.config.localDomain,
      provider_url: `${base}/`,
      cache_age: 86_400,
      html: `<iframe src="${escapeHtml(embed)}" class="mastodon-embed" width="${width}"${height ? ` height="${height}"` : ''} allowfullscreen="allowfullscreen"></iframe>`,
      width,
      height,
    };
  });
}
