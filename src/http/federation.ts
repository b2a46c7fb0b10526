import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { jsonNestsDeeperThan, looksLikeJsonObject } from '../lib/json-depth.ts';
import { asNodeInfo20 } from '../federation/nodeinfo.ts';
import { weakSignatureReason } from '../federation/signature-strength.ts';
import { statusRowsById } from '../services/statuses/entities.ts';
import { hostMetaRoutes } from './well-known/host-meta.ts';
import { federationCode } from './federation-code.ts';
import { profilePageRoutes } from './pages/profiles.ts';

/** Mastodon refuses inbox bodies over 1 MB with 413. */
const INBOX_BODY_LIMIT = 1024 * 1024;
/** Real activities nest a few levels (Create → Note → tag → icon); far deeper ones are refused before JSON-LD processing recurses through them. */
const INBOX_MAX_DEPTH = 64;
/** Mastodon lets WebFinger answers be cached for three days. */
const WEBFINGER_CACHE_CONTROL = 'max-age=259200, public';
const NODEINFO_20 = 'http://nodeinfo.diaspora.software/ns/schema/2.0';

type NotAcceptable = (ctx: AppContext, params: Record<string, string>) => Promise<Response | undefined>;

// Responses that mean "not Fedify's": the request goes on to Fastify's not-found handler.
const fallThrough = new WeakSet<Response>();
function passOn(): Response {
  const response = new Response(null, { status: 404 });
  fallThrough.add(response);
  return response;
}

function redirect(location: string): Response {
  return new Response(null, { status: 301, headers: { location } });
}

/** The actor path a route names: `users/<username>`, or `ap/users/<id>` (an account known by its numeric id). */
function actorPathOf(params: Record<string, string>): string {
  return params.accountId !== undefined ? `ap/users/${params.accountId}` : `users/${params.username}`;
}

/** An HTML request for an actor goes to the profile page, as in Mastodon. */
const toProfile: NotAcceptable = async (ctx, params) => {
  const { accountOfIdentifier } = await federationCode();
  const account = await accountOfIdentifier(ctx, actorPathOf(params));
  return account ? redirect(account.url ?? `${baseUrl(ctx.config)}/@${account.username}`) : undefined;
};

/** An HTML request for a post goes to its page (a boost's, to the boosted post's). */
const toStatusPage: NotAcceptable = async (ctx, params) => {
  const { findLocalStatus, isPubliclyServed } = await federationCode();
  const found = await findLocalStatus(ctx, actorPathOf(params), params.id!);
  if (!found || !isPubliclyServed(found.status.visibility)) return undefined;
  const shown = found.status.reblogOfId ? (await statusRowsById(ctx, [found.status.reblogOfId])).get(found.status.reblogOfId) : found.status;
  return shown?.url && !shown.deletedAt && isPubliclyServed(shown.visibility) ? redirect(shown.url) : undefined;
};

/** The request as Fedify sees it: at the canonical URL (what remote servers sign), with the raw body. */
function toWebRequest(ctx: AppContext, request: FastifyRequest, path = request.url): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  // Signatures are checked against this instance's host, not the Host header a request came with: one
  // signed for another server is refused here, as Mastodon's host authorization refuses it
  headers.set('host', new URL(baseUrl(ctx.config)).host);
  const body = Buffer.isBuffer(request.body) && request.method !== 'GET' && request.method !== 'HEAD' ? new Uint8Array(request.body) : undefined;
  // concatenated, not resolved: a path like `//elsewhere/x` must not change the host
  return new Request(`${baseUrl(ctx.config)}${path}`, { method: request.method, headers, body });
}

async function callFedify(ctx: AppContext, request: FastifyRequest, notAcceptable?: NotAcceptable, path?: string): Promise<Response> {
  const params = request.params as Record<string, string>;
  const { handleFederationRequest, unauthorizedResponse, withAuthorizedFetchHeaders } = await federationCode();
  const response = await handleFederationRequest(ctx, toWebRequest(ctx, request, path), {
    onNotFound: passOn,
    onNotAcceptable: async () => (notAcceptable ? await notAcceptable(ctx, params) : undefined) ?? passOn(),
    onUnauthorized: unauthorizedResponse,
  });
  return request.method === 'GET' || request.method === 'HEAD' ? withAuthorizedFetchHeaders(ctx, response) : response;
}

async function send(reply: FastifyReply, response: Response, body?: string | Buffer) {
  if (fallThrough.has(response)) return reply.callNotFound();
  reply.status(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') reply.header(name, value);
  });
  if (body !== undefined) return reply.send(body);
  return response.body === null ? reply.send() : reply.send(Buffer.from(await response.arrayBuffer()));
}

/** Mastodon's JRD: the profile page first among the aliases, and typed as HTML. */
async function mastodonWebFinger(response: Response): Promise<string> {
  const jrd = (await response.json()) as { aliases?: string[]; links?: { rel: string; href?: string; type?: string }[] };
  const profile = jrd.links?.find((link) => link.rel === 'http://webfinger.net/rel/profile-page');
  if (profile?.href) {
    profile.type ??= 'text/html';
    jrd.aliases = [...new Set([profile.href, ...(jrd.aliases ?? [])])];
  }
  return JSON.stringify(jrd);
}

function discoveryRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/.well-known/webfinger', async (request, reply) => {
    const response = await callFedify(ctx, request);
    if (response.status !== 200 || fallThrough.has(response)) return send(reply, response);
    reply.header('cache-control', WEBFINGER_CACHE_CONTROL);
    return send(reply, response, await mastodonWebFinger(response));
  });
  app.get('/.well-known/nodeinfo', async (request, reply) => {
    const response = await callFedify(ctx, request);
    if (response.status !== 200) return send(reply, response);
    const jrd = (await response.json()) as { links: { rel: string; href: string }[] };
    jrd.links.unshift({ rel: NODEINFO_20, href: `${baseUrl(ctx.config)}/nodeinfo/2.0` });
    return send(reply, response, JSON.stringify(jrd));
  });
  app.get('/nodeinfo/2.1', async (request, reply) => send(reply, await callFedify(ctx, request)));
  app.get('/nodeinfo/2.0', async (request, reply) => {
    const response = await callFedify(ctx, request, undefined, '/nodeinfo/2.1');
    if (response.status !== 200) return send(reply, response);
    reply.header('content-type', `application/json; profile="${NODEINFO_20}#"`);
    response.headers.delete('content-type');
    return send(reply, response, JSON.stringify(asNodeInfo20((await response.json()) as Record<string, unknown>)));
  });
}

function actorRoutes(app: FastifyInstance, ctx: AppContext) {
  const fedify = (notAcceptable?: NotAcceptable) => async (request: FastifyRequest, reply: FastifyReply) => send(reply, await callFedify(ctx, request, notAcceptable));
  const inbox = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!Buffer.isBuffer(request.body) || !looksLikeJsonObject(request.body) || jsonNestsDeeperThan(request.body, INBOX_MAX_DEPTH)) {
      return reply.status(400).send({ error: 'Bad Request' });
    }
    const { signatureKeyIds, inboundAllowed, withFederation, failedHttpSignature } = await federationCode();
    // Mastodon's require_actor_signature!: an inbox takes only HTTP-signed requests, whatever Linked Data
    // signature or proof the activity carries (Fedify would take one of those alone); a forwarded activity
    // is HTTP-signed by the server forwarding it
    if (signatureKeyIds(request.headers).length === 0) return reply.status(401).send({ error: 'Request not signed' });
    // Mastodon's verify_signature_strength!: a signature not covering the method, target and body is refused (signature-strength.ts)
    const weak = weakSignatureReason(request.method, request.headers);
    if (weak) return reply.status(401).send({ error: weak });
    // Mastodon's DomainControlHelper: a suspended (or, in limited federation mode, not allowed) signer or actor is refused before its key is fetched
    if (!(await inboundAllowed(ctx, request))) return reply.status(403).send({ error: 'Domain not allowed' });
    // checked here for every POST: Fedify skips the HTTP signature when an author's Linked Data signature
    // or proof verifies, and telling whether a body carries one is JSON-LD's business, not a byte search
    const failed = await withFederation(ctx, (fctx) => failedHttpSignature(fctx, toWebRequest(ctx, request)));
    if (failed !== undefined) return reply.status(401).send({ error: `Verification failed for ${failed}` });
    return send(reply, await callFedify(ctx, request));
  };
  // `/ap/users/<id>`: accounts known by their numeric id (Mastodon 4.4's numeric_ap_id, kept by an import from Mastodon)
  for (const actor of ['/users/:username', '/ap/users/:accountId', '/actor']) {
    app.get(actor, fedify(actor === '/actor' ? undefined : toProfile));
    for (const collection of ['outbox', 'followers', 'following', 'collections/featured', 'collections/tags']) app.get(`${actor}/${collection}`, fedify());
    // Inboxes take the raw body, which Fedify needs to check the signature's digest.
    app.post(`${actor}/inbox`, inbox);
  }
  app.post('/inbox', inbox);
  for (const actor of ['/users/:username', '/ap/users/:accountId']) {
    app.get(`${actor}/statuses/:id`, fedify(toStatusPage));
    app.get(`${actor}/statuses/:id/activity`, fedify(toStatusPage));
    app.get(`${actor}/statuses/:id/replies`, fedify());
  }
  // Mastodon's EmojisController lets an emoji be cached for three minutes
  app.get('/emojis/:id', async (request, reply) => {
    const response = await callFedify(ctx, request);
    if (response.status === 200) reply.header('cache-control', 'public, max-age=180');
    return send(reply, response);
  });
}

/**
 * The federation endpoints, answered by Fedify (src/federation/): discovery, actors, collections,
 * posts and inboxes. Requests that are not for ActivityPub (an HTML Accept) go to the web pages.
 */
export function federationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INBOX_BODY_LIMIT }, (_request, body, done) => done(null, body));
    discoveryRoutes(scope, ctx);
    actorRoutes(scope, ctx);
    hostMetaRoutes(scope, ctx);
    profilePageRoutes(scope, ctx);
  });
}
