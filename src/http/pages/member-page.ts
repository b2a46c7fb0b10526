import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { currentSession } from '../plugins/session.ts';
import { html, layout, type SafeHtml } from '../views/html.ts';

/** The longest page address kept to come back to after signing in (a longer one loses its query). */
const MAX_RETURN_PATH = 1024;

/** Where to come back to: the page, without a query that would make the redirect's Location too long for a client to read. */
function returnPath(path: string): string {
  return path.length > MAX_RETURN_PATH ? path.split('?')[0]!.slice(0, MAX_RETURN_PATH) : path;
}

/**
 * The member signed in to this browser, for a page only members see: a visitor is sent to the
 * sign-in page (back here afterwards), a login that may not be used gets 403. Undefined when the
 * answer was sent.
 */
export async function signedIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, path: string) {
  const session = await currentSession(ctx, request);
  if (!session) {
    reply.redirect(`/auth/sign_in?return_to=${encodeURIComponent(returnPath(path))}`, request.method === 'GET' ? 302 : 303);
    return undefined;
  }
  if (session.user.disabled || session.account.suspendedAt || !session.user.confirmedAt || !session.user.approved) {
    reply
      .status(403)
      .type('text/html')
      .send(layout('Forbidden', (await getSettings(ctx)).site_title, html`<p>Your account is disabled.</p>`));
    return undefined;
  }
  return session;
}

/** A page of the site's layout, with its status. */
export async function renderPage(ctx: AppContext, reply: FastifyReply, status: number, title: string, body: SafeHtml) {
  const { site_title } = await getSettings(ctx);
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(layout(title, site_title, body));
}
