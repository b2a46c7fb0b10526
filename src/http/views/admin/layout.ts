import { html, type SafeHtml, unindexedHead } from '../html.ts';

export interface StaffNavItem {
  path: string;
  label: string;
}

/** The staff interface's page: the sections this member may open, then the page. No script. */
export function staffLayout(page: { title: string; siteTitle: string; nav: StaffNavItem[]; body: SafeHtml; current?: string }): string {
  const nav = page.nav.length
    ? html`<nav aria-label="Staff sections"><ul>${page.nav.map((item) => html`<li><a href="${item.path}"${page.current === item.path ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}</ul></nav>`
    : '';
  return html`${unindexedHead(`${page.title} - ${page.siteTitle} staff`)}
<body class="staff">
<header class="site"><a class="site-title" href="/">${page.siteTitle}</a>${nav}</header>
<main><h1>${page.title}</h1>${page.body}</main>
</body>
</html>`.value;
}

/** A small form with one button (an action on a record), its CSRF token included. */
export function buttonForm(action: string, csrf: string, label: string, options: { secondary?: boolean; fields?: Record<string, string> } = {}): SafeHtml {
  const hidden = Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form class="inline" method="post" action="${action}"><input type="hidden" name="authenticity_token" value="${csrf}">${hidden}<button type="submit"${options.secondary ? html` class="secondary"` : ''}>${label}</button></form>`;
}

export const day = (date: Date | string | null | undefined) => (date ? new Date(date).toISOString().slice(0, 10) : '');
export const acctOf = (account: { username: string; domain: string | null }) => (account.domain ? `@${account.username}@${account.domain}` : `@${account.username}`);
