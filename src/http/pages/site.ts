import type { FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { getSettings, type InstanceSettings } from '../../services/accounts/settings.ts';
import { registrationsEnabled } from '../../services/instance/instance.ts';
import { currentSession } from '../plugins/session.ts';
import { html } from '../views/html.ts';
import { type PageMeta, publicDocument, type SiteNav } from '../views/public/document.ts';

/** What every public page needs to know about the instance. */
export interface Site {
  base: string;
  settings: InstanceSettings;
  nav: SiteNav;
}

export async function loadSite(ctx: AppContext): Promise<Site> {
  const settings = await getSettings(ctx);
  return { base: baseUrl(ctx.config), settings, nav: { signUp: registrationsEnabled(ctx, settings) } };
}

export function wantsActivityPub(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/activity+json') || accept.includes('application/ld+json');
}

/**
 * Sends a page. The pages differ by Accept (ActivityPub clients get a redirect from the same URL),
 * so caches must keep them apart.
 */
export function sendHtml(reply: FastifyReply, body: string, status = 200) {
  return reply.status(status).header('vary', 'Accept').type('text/html; charset=utf-8').send(body);
}

/** A bare error page in the site's frame. */
export function sendErrorPage(reply: FastifyReply, site: Site, status: number, title: string, message: string) {
  const meta: PageMeta = { title: `${title} - ${site.settings.site_title}`, description: message, canonical: site.base, siteTitle: site.settings.site_title, noindex: true };
  return sendHtml(reply, publicDocument(meta, site.nav, html`<h1>${title}</h1><p>${message}</p>`), status);
}

/** `max_id` from the query when it is a row id (Mastodon ignores others). */
export function maxIdOf(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.max_id;
  return typeof value === 'string' && /^\d{1,19}$/.test(value) ? value : undefined;
}

/**
 * In limited federation mode Mastodon shows its pages (all but about and the privacy policy) to
 * signed-in members only: others are sent to sign in. Sends that redirect and answers true, or false.
 */
export async function sentToSignIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (!ctx.config.limitedFederationMode || (await currentSession(ctx, request))) return false;
  reply.redirect(`/auth/sign_in?return_to=${encodeURIComponent(request.url)}`, 302);
  return true;
}
