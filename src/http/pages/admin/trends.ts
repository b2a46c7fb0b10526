import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { allTrendingLinks, allTrendingStatuses, allTrendingTags, linkRequiresReview, reviewLink, reviewStatus, reviewTag } from '../../../services/trends/staff-review.ts';
import { trendSettings } from '../../../services/trends/trendable.ts';
import { buttonForm } from '../../views/admin/layout.ts';
import { html, type SafeHtml } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffView } from './staff-page.ts';

/** What the page shows of each kind: the best this many. */
const LIMIT = 40;
const PAGE = { offset: 0, limit: LIMIT };

const table = (headings: string[], rows: SafeHtml[], empty: string) =>
  rows.length ? html`<table><thead><tr>${headings.map((heading) => html`<th scope="col">${heading}</th>`)}</tr></thead><tbody>${rows}</tbody></table>` : html`<p>${empty}</p>`;

/** allowed, rejected or waiting, as the public trends would treat it */
const stateOf = (trendable: boolean | null, requiresReview: boolean, byDefault: boolean) =>
  trendable === true ? 'allowed' : trendable === false ? 'rejected' : requiresReview ? (byDefault ? 'allowed by default' : 'pending review') : 'allowed by its site';

/** `/admin/trends` (Admin::Trends::{Tags,Links,Statuses}Controller): what trends, reviewed by staff who manage taxonomies; only the public trends change. */
export function staffTrendsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageTaxonomies;

  app.get('/admin/trends', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const [tags, links, statuses, settings] = await Promise.all([allTrendingTags(ctx, PAGE), allTrendingLinks(ctx, PAGE), allTrendingStatuses(ctx, PAGE), trendSettings(ctx)]);
      const buttons = (kind: string, id: string, label: string) => [
        buttonForm(`/admin/trends/${kind}/${id}/approve`, staff.csrf, `Allow ${label}`),
        buttonForm(`/admin/trends/${kind}/${id}/reject`, staff.csrf, `Reject ${label}`, { secondary: true }),
      ];
      const body = html`${settings.enabled ? '' : html`<p>Trends are off for everyone else (Server settings).</p>`}
<section aria-labelledby="trending-tags"><h2 id="trending-tags">Hashtags</h2>${table(
        ['Hashtag', 'State', ''],
        tags.map(
          (tag) => html`<tr><td>#${tag.name}</td><td>${stateOf(tag.trendable, tag.reviewedAt === null, settings.trendableByDefault)}</td><td>${buttons('tags', tag.id, `#${tag.name}`)}</td></tr>`,
        ),
        'No hashtag trends.',
      )}</section>
<section aria-labelledby="trending-links"><h2 id="trending-links">Links</h2>${table(
        ['Link', 'State', ''],
        links.map(
          (link) =>
            html`<tr><td><a href="${link.card.url}">${link.card.title || link.card.url}</a></td><td>${stateOf(link.card.trendable, linkRequiresReview(link), settings.trendableByDefault)}</td><td>${buttons('links', link.card.id, link.card.title || 'link')}</td></tr>`,
        ),
        'No link trends.',
      )}</section>
<section aria-labelledby="trending-statuses"><h2 id="trending-statuses">Posts</h2>${table(
        ['Post', 'State', ''],
        statuses.map(
          ({ status, requiresReview }) =>
            html`<tr><td><a href="/admin/accounts/${status.accountId}">by account ${status.accountId}</a>: ${status.text.slice(0, 120)}</td><td>${stateOf(status.trendable, requiresReview, settings.trendableByDefault)}</td><td>${buttons('statuses', status.id, `post ${status.id}`)}</td></tr>`,
        ),
        'No post trends.',
      )}</section>`;
      return renderStaffPage(ctx, reply, staff, 'Trends', body);
    }),
  );

  const review = { tags: reviewTag, links: reviewLink, statuses: reviewStatus } as const;
  for (const [kind, run] of Object.entries(review)) {
    for (const [action, trendable] of [
      ['approve', true],
      ['reject', false],
    ] as const) {
      app.post(`/admin/trends/${kind}/:id/${action}`, (request, reply) =>
        staffAction(ctx, request, reply, permission, async () => {
          await run(ctx, (request as FastifyRequest<{ Params: { id: string } }>).params.id, trendable);
          return '/admin/trends';
        }),
      );
    }
  }
}
