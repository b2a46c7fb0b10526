import type { Account, Status } from '../../../serializers/entities.ts';
import type { Site } from '../../pages/site.ts';
import { html } from '../html.ts';
import { displayName, profileHeader } from './account.ts';
import { plainSummary } from './content.ts';
import { publicDocument } from './document.ts';
import { olderPage, statusList, statusView } from './status.ts';

export interface ProfileData {
  account: Account;
  pinned: Status[];
  statuses: Status[];
  full: boolean;
}

export function profilePage(site: Site, localDomain: string, data: ProfileData, page: { path: string; paginated: boolean }): string {
  const { account } = data;
  const acct = `@${account.username}@${localDomain}`;
  const meta = {
    title: `${displayName(account)} (${acct}) - ${site.settings.site_title}`,
    description: plainSummary(account.note) || `${account.statuses_count} Posts, ${account.following_count} Following, ${account.followers_count} Followers`,
    canonical: account.url,
    siteTitle: site.settings.site_title,
    type: 'profile' as const,
    image: account.avatar,
    activityPub: account.uri,
    rss: `${site.base}${page.path}.rss`,
    username: acct.slice(1),
    // Mastodon's noindex: the member asked search engines to leave their pages alone
    noindex: account.noindex === true || page.paginated,
  };
  const pinned =
    data.pinned.length > 0 ? html`<section class="pinned" aria-labelledby="pinned-heading"><h2 id="pinned-heading">Pinned posts</h2>${data.pinned.map((status) => statusView(status))}</section>` : '';
  return publicDocument(
    meta,
    site.nav,
    html`${profileHeader(account, localDomain)}
${pinned}
<section class="posts" aria-labelledby="posts-heading"><h2 id="posts-heading">Posts</h2>${statusList(data.statuses, olderPage(page.path, data.statuses, data.full), 'No posts yet.')}</section>`,
  );
}
