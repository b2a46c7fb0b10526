import { html, type SafeHtml } from '../html.ts';
import { STYLESHEET_URL } from '../stylesheet.ts';

/** What a public page says about itself to browsers, crawlers, link previews and fediverse software. */
export interface PageMeta {
  title: string;
  description: string;
  /** the page's absolute URL without pagination */
  canonical: string;
  siteTitle: string;
  /** og:type */
  type?: 'website' | 'profile' | 'article';
  /** og:image, absolute */
  image?: string;
  /** whether the image is the page's own picture (a post's photo) rather than an avatar or logo: a large Twitter card */
  largeImage?: boolean;
  /** the ActivityPub document the page stands for */
  activityPub?: string;
  /** the page's oEmbed endpoint */
  oembed?: string;
  /** an RSS feed of the page's posts */
  rss?: string;
  /** profile:username, for og:type profile */
  username?: string;
  noindex?: boolean;
}

export interface SiteNav {
  signUp: boolean;
}

function head(meta: PageMeta): SafeHtml {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${meta.noindex ? html`<meta name="robots" content="noindex, noarchive">\n` : ''}<title>${meta.title}</title>
<meta name="description" content="${meta.description}">
<link rel="stylesheet" href="${STYLESHEET_URL}">
<link rel="canonical" href="${meta.canonical}">
${meta.activityPub ? html`<link rel="alternate" type="application/activity+json" href="${meta.activityPub}">\n` : ''}${meta.oembed ? html`<link rel="alternate" type="application/json+oembed" href="${meta.oembed}">\n` : ''}${meta.rss ? html`<link rel="alternate" type="application/rss+xml" href="${meta.rss}">\n` : ''}<meta property="og:site_name" content="${meta.siteTitle}">
<meta property="og:type" content="${meta.type ?? 'website'}">
<meta property="og:title" content="${meta.title}">
<meta property="og:description" content="${meta.description}">
<meta property="og:url" content="${meta.canonical}">
${meta.image ? html`<meta property="og:image" content="${meta.image}">\n` : ''}${meta.username ? html`<meta property="profile:username" content="${meta.username}">\n` : ''}<meta name="twitter:card" content="${meta.image && meta.largeImage ? 'summary_large_image' : 'summary'}">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
${meta.image ? html`<meta name="twitter:image" content="${meta.image}">` : ''}`;
}

/** A whole public page: the site's banner and navigation, the page in `<main>`, and a footer. */
export function publicDocument(meta: PageMeta, nav: SiteNav, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
${head(meta)}
</head>
<body class="public">
<header class="site"><a class="site-title" href="/">${meta.siteTitle}</a>
<nav aria-label="Site"><ul><li><a href="/explore">Explore</a></li><li><a href="/about">About</a></li><li><a href="/auth/sign_in">Log in</a></li>${nav.signUp ? html`<li><a href="/auth/sign_up">Create account</a></li>` : ''}</ul></nav>
</header>
<main id="content">${body}</main>
<footer class="site"><nav aria-label="Footer"><ul><li><a href="/about">About</a></li><li><a href="/privacy-policy">Privacy policy</a></li></ul></nav></footer>
</body>
</html>`.value;
}

/** The page inside another site's frame (`/@user/:id/embed`): no banner, no navigation. */
export function embedDocument(meta: PageMeta, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
${head(meta)}
</head>
<body class="public embed">${body}</body>
</html>`.value;
}
