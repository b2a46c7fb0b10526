import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { federationCode } from '../federation-code.ts';
import { plainToHtml } from '../../services/statuses/text/plain-to-html.ts';
import { html, SafeHtml } from '../views/html.ts';

function wantsActivityPub(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/activity+json') || accept.includes('application/ld+json');
}

/** A bare page naming the ActivityPub document it stands for, so that fediverse software can find it. */
function page(reply: FastifyReply, title: string, alternate: string, body: SafeHtml) {
  return reply.type('text/html; charset=utf-8').send(
    html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="alternate" type="application/activity+json" href="${alternate}">
</head>
<body>${body}</body>
</html>`.value,
  );
}

/**
 * Mastodon's profile and post pages (`/@username`, `/@username/<id>`), as placeholders until there is
 * a web client: ActivityPub requests are sent to the actor or post, browsers get a minimal page.
 */
export function profilePageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/@:username', async (request, reply) => {
    const { username } = request.params as { username: string };
    const { findLocalActorAccount } = await federationCode();
    const account = await findLocalActorAccount(ctx, username);
    if (!account) return reply.callNotFound();
    if (wantsActivityPub(request)) return reply.redirect(account.uri, 301);
    const name = account.displayName || account.username;
    return page(reply, `${name} (@${account.username})`, account.uri, html`<h1>${name}</h1><p>@${account.username}</p>${new SafeHtml(plainToHtml(account.note))}`);
  });

  app.get('/@:username/:id', async (request, reply) => {
    const { username, id } = request.params as { username: string; id: string };
    const { findLocalStatus, isPubliclyServed } = await federationCode();
    const found = await findLocalStatus(ctx, username, id);
    const uri = found?.status.uri;
    if (!found || !uri || found.status.reblogOfId || !isPubliclyServed(found.status.visibility)) return reply.callNotFound();
    if (wantsActivityPub(request)) return reply.redirect(uri, 301);
    const { status, author } = found;
    const name = author.displayName || author.username;
    const body = status.spoilerText ? html`<p>${status.spoilerText}</p>` : html`${new SafeHtml(status.content)}`;
    return page(reply, `${name}: "${status.spoilerText || status.text.slice(0, 60)}"`, uri, html`<article><h1>${name}</h1>${body}</article>`);
  });
}
