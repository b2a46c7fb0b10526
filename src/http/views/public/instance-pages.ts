import type { Status } from '../../../serializers/entities.ts';
import type { Site } from '../../pages/site.ts';
import { html, SafeHtml } from '../html.ts';
import { type PageMeta, publicDocument } from './document.ts';
import { olderPage, statusList } from './status.ts';

function siteMeta(site: Site, path: string, title?: string): PageMeta {
  const siteTitle = site.settings.site_title;
  return {
    title: title ? `${title} - ${siteTitle}` : siteTitle,
    description: site.settings.site_short_description || `${siteTitle}, a Mastodon-compatible server in the fediverse`,
    canonical: `${site.base}${path}`,
    siteTitle,
    activityPub: `${site.base}/actor`,
  };
}

export interface LandingData {
  /** the local timeline when visitors may preview it */
  timeline: { statuses: Status[]; full: boolean } | null;
}

/** `/`: the instance, how to join, and its local timeline if the admin shows it to visitors. */
export function landingPage(site: Site, data: LandingData): string {
  const { settings, nav } = site;
  const timeline = data.timeline
    ? html`<section class="timeline" aria-labelledby="timeline-heading"><h2 id="timeline-heading">Recent posts on this server</h2>${statusList(data.timeline.statuses, olderPage('/', data.timeline.statuses, data.timeline.full))}</section>`
    : '';
  return publicDocument(
    siteMeta(site, '/'),
    nav,
    html`<section class="hero" aria-labelledby="site-heading"><h1 id="site-heading">${settings.site_title}</h1>
${settings.site_short_description ? html`<p class="description">${settings.site_short_description}</p>` : ''}
<p class="actions"><a class="button" href="/auth/sign_in">Log in</a>${nav.signUp ? html` <a class="button secondary" href="/auth/sign_up">Create account</a>` : ''}</p></section>
${timeline}`,
  );
}

export interface AboutData {
  /** the extended description as HTML */
  extendedDescription: SafeHtml;
  contactEmail: string;
  contactAccount: { acct: string; url: string } | null;
  rules: { id: string; text: string; hint: string }[];
  /** the moderated servers, when the admin shows them to visitors */
  domainBlocks: { domain: string; severity: string; comment: string | null }[] | null;
  registrationsMessage: string | null;
}

export function aboutPage(site: Site, data: AboutData): string {
  const blocks = data.domainBlocks;
  return publicDocument(
    siteMeta(site, '/about', 'About'),
    site.nav,
    html`<h1>About ${site.settings.site_title}</h1>
${site.settings.site_short_description ? html`<p class="description">${site.settings.site_short_description}</p>` : ''}
<section aria-labelledby="contact-heading"><h2 id="contact-heading">Contact</h2><dl>
${data.contactAccount ? html`<dt>Administered by</dt><dd><a href="${data.contactAccount.url}">@${data.contactAccount.acct}</a></dd>` : ''}
${data.contactEmail ? html`<dt>Contact</dt><dd><a href="mailto:${data.contactEmail}">${data.contactEmail}</a></dd>` : ''}
</dl></section>
${data.extendedDescription.value ? html`<section aria-labelledby="description-heading"><h2 id="description-heading">About</h2><div class="extended-description">${data.extendedDescription}</div></section>` : ''}
<section aria-labelledby="rules-heading"><h2 id="rules-heading">Server rules</h2>${
      data.rules.length > 0
        ? html`<ol class="rules">${data.rules.map((rule) => html`<li>${rule.text}${rule.hint ? html`<p class="hint">${rule.hint}</p>` : ''}</li>`)}</ol>`
        : html`<p>No rules have been set.</p>`
    }</section>
${
  blocks
    ? html`<section aria-labelledby="moderated-heading"><h2 id="moderated-heading">Moderated servers</h2>${
        blocks.length > 0
          ? html`<table class="domain-blocks"><thead><tr><th scope="col">Server</th><th scope="col">Severity</th><th scope="col">Reason</th></tr></thead><tbody>${blocks.map(
              (block) => html`<tr><td>${block.domain}</td><td>${block.severity === 'suspend' ? 'Suspended' : 'Limited'}</td><td>${block.comment ?? ''}</td></tr>`,
            )}</tbody></table>`
          : html`<p>No servers are moderated.</p>`
      }</section>`
    : ''
}
${data.registrationsMessage && !site.nav.signUp ? html`<section aria-labelledby="signup-heading"><h2 id="signup-heading">Sign-ups</h2>${new SafeHtml(data.registrationsMessage)}</section>` : ''}`,
  );
}

export function privacyPolicyPage(site: Site, policy: SafeHtml, updatedAt: Date): string {
  const date = updatedAt.toISOString().slice(0, 10);
  return publicDocument(
    siteMeta(site, '/privacy-policy', 'Privacy Policy'),
    site.nav,
    html`<h1>Privacy Policy</h1><p class="updated">Last updated <time datetime="${date}">${date}</time></p><div class="policy">${policy}</div>`,
  );
}

export interface ExploreData {
  enabled: boolean;
  statuses: Status[];
  tags: { name: string }[];
  links: { url: string; title: string; provider_name: string }[];
}

export function explorePage(site: Site, data: ExploreData): string {
  const body = !data.enabled
    ? html`<p>Trends are not shown on this server.</p>`
    : html`<section aria-labelledby="tags-heading"><h2 id="tags-heading">Hashtags</h2>${
        data.tags.length > 0
          ? html`<ul class="tags">${data.tags.map((tag) => html`<li><a href="/tags/${encodeURIComponent(tag.name)}">#${tag.name}</a></li>`)}</ul>`
          : html`<p class="empty">Nothing is trending right now.</p>`
      }</section>
<section aria-labelledby="posts-heading"><h2 id="posts-heading">Posts</h2>${statusList(data.statuses, null, 'Nothing is trending right now.')}</section>
<section aria-labelledby="links-heading"><h2 id="links-heading">News</h2>${
        data.links.length > 0
          ? html`<ul class="links">${data.links.map((link) => html`<li><a href="${link.url}" rel="nofollow noopener">${link.title || link.url}</a>${link.provider_name ? html` <span class="provider">${link.provider_name}</span>` : ''}</li>`)}</ul>`
          : html`<p class="empty">Nothing is trending right now.</p>`
      }</section>`;
  return publicDocument(siteMeta(site, '/explore', 'Explore'), site.nav, html`<h1>Explore</h1>${body}`);
}

export function tagPage(site: Site, name: string, data: { statuses: Status[]; full: boolean } | null, local: boolean): string {
  const path = `/tags/${encodeURIComponent(name)}`;
  const meta = { ...siteMeta(site, path, `#${name}`), description: `Posts tagged #${name} on ${site.settings.site_title}`, rss: `${site.base}${path}.rss`, activityPub: `${site.base}${path}` };
  const extra: Record<string, string> = local ? { local: 'true' } : {};
  return publicDocument(
    meta,
    site.nav,
    html`<h1>#${name}</h1>
${data ? statusList(data.statuses, olderPage(path, data.statuses, data.full, extra), 'No posts with this hashtag yet.') : html`<p>Log in to see posts with this hashtag.</p>`}`,
  );
}
