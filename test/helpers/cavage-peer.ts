import { createHash, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AS } from './constants.ts';

/**
 * A small ActivityPub server that is not Subspace, written on node:http and node:crypto only (no
 * Fedify: Fedify on both sides would hide what another implementation does differently). It
 * behaves like snac or Mastodon do towards other servers:
 *
 * - WebFinger, actors (`Person` with an RSA `publicKey`), empty collections, a personal inbox per
 *   account and a shared inbox (`/inbox`);
 * - it signs its own requests (deliveries and GETs) only with draft-cavage (`Signature` header,
 *   rsa-sha256, `(request-target) host date digest`);
 * - it answers every inbox POST 202 at once and verifies it later, only as draft-cavage (the key
 *   fetched from its owner): what does not verify is dropped silently, as snac drops it. So
 *   `accepted` holds only what such a server really takes;
 * - a verified `Follow` of one of its accounts is answered with an `Accept`, as an unlocked account does.
 */

export interface PeerAccount {
  username: string;
  /** `username@host` */
  handle: string;
  actorId: string;
  keyId: string;
  inbox: string;
  followers: string;
}

export interface AcceptedActivity {
  /** the inbox path it was POSTed to: `/users/<name>/inbox` or `/inbox` */
  path: string;
  /** the key id that signed it */
  keyId: string;
  activity: any;
}

export interface CavagePeer {
  origin: string;
  /** the host (with its port unless 80): the domain of the accounts' handles */
  host: string;
  account(username: string): PeerAccount;
  /** verified activities, in the order they were accepted */
  accepted: AcceptedActivity[];
  /** inbox POSTs answered 202 but dropped after the fact, and why */
  dropped: { path: string; reason: string }[];
  /** how each signed GET that reached the peer was signed (`draft-cavage`, `rfc9421`) */
  fetchSignatures: { path: string; spec: 'draft-cavage' | 'rfc9421' }[];
  /** the accepted activities of `type` at the inbox `path` (every inbox when undefined) */
  acceptedOf(type: string, path?: string): any[];
  /** POSTs `activity` to `inbox`, signed draft-cavage by `username` */
  deliver(username: string, inbox: string, activity: unknown): Promise<{ status: number; text: string }>;
  /** serves `document` as ActivityPub JSON at `path` (a note, so that others can fetch it) */
  serve(path: string, document: unknown): void;
  /** waits until every POST answered so far is verified (or dropped) */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const ACTIVITY_JSON = 'application/activity+json';
const DATE_WINDOW_MS = 12 * 3600 * 1000;

interface KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A plain HTTP request (node:http, nothing else between). */
function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.href} timed out`)));
    req.end(body);
  });
}

function sha256Digest(body: string): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/** The headers of a draft-cavage signed request: `(request-target) host date` and, with a body, `digest`. */
function cavageHeaders(url: URL, method: string, keyId: string, privateKeyPem: string, body?: string): Record<string, string> {
  const headers: Record<string, string> = { host: url.host, date: new Date().toUTCString() };
  if (body !== undefined) headers.digest = sha256Digest(body);
  const names = ['(request-target)', 'host', 'date', ...(body !== undefined ? ['digest'] : [])];
  const signingString = names.map((name) => (name === '(request-target)' ? `(request-target): ${method.toLowerCase()} ${url.pathname}${url.search}` : `${name}: ${headers[name]}`)).join('\n');
  const signature = createSign('sha256').update(signingString).sign(privateKeyPem, 'base64');
  headers.signature = `keyId="${keyId}",algorithm="rsa-sha256",headers="${names.join(' ')}",signature="${signature}"`;
  return headers;
}

/** `keyId="…",headers="…"` as a map, or undefined when the header is no draft-cavage signature. */
function parseCavageSignature(value: string | undefined): Map<string, string> | undefined {
  if (!value) return undefined;
  const params = new Map<string, string>();
  for (const match of value.matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params.set(match[1]!, match[2]!);
  return params.has('keyId') && params.has('signature') ? params : undefined;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, address, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the peer on `address` (port 80 when it can be had, so its handles have no port and can be
 * mentioned; a free port otherwise), hosting `usernames`. Instances must allow `address` in
 * ALLOWED_PRIVATE_ADDRESSES to reach it.
 */
export async function startCavagePeer(options: { address: string; usernames: string[] }): Promise<CavagePeer> {
  const server = createServer();
  let port: number;
  try {
    port = await listen(server, options.address, 80);
  } catch {
    port = await listen(server, options.address, 0);
  }
  const host = port === 80 ? options.address : `${options.address}:${port}`;
  const origin = `http://${host}`;
  const keys = new Map<string, KeyPair>(
    options.usernames.map((username) => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
      return [username, { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey }];
    }),
  );
  const documents = new Map<string, unknown>();
  const accepted: AcceptedActivity[] = [];
  const dropped: { path: string; reason: string }[] = [];
  const fetchSignatures: CavagePeer['fetchSignatures'] = [];
  let verifying: Promise<void> = Promise.resolve();

  const account = (username: string): PeerAccount => {
    if (!keys.has(username)) throw new Error(`the peer has no account ${username}`);
    const actorId = `${origin}/users/${username}`;
    return { username, handle: `${username}@${host}`, actorId, keyId: `${actorId}#main-key`, inbox: `${actorId}/inbox`, followers: `${actorId}/followers` };
  };

  const actorDocument = (username: string) => {
    const { actorId, keyId, inbox, followers } = account(username);
    return {
      '@context': [AS, 'https://w3id.org/security/v1'],
      id: actorId,
      type: 'Person',
      preferredUsername: username,
      name: username,
      summary: '<p>not a Subspace account</p>',
      url: `${origin}/@${username}`,
      inbox,
      outbox: `${actorId}/outbox`,
      followers,
      following: `${actorId}/following`,
      endpoints: { sharedInbox: `${origin}/inbox` },
      manuallyApprovesFollowers: false,
      publicKey: { id: keyId, owner: actorId, publicKeyPem: keys.get(username)!.publicKeyPem },
    };
  };

  /** A signed GET of an ActivityPub document (as snac and Mastodon fetch), by the peer's first account. */
  const fetchDocument = async (url: string): Promise<any> => {
    const signer = account(options.usernames[0]!);
    const target = new URL(url);
    target.hash = '';
    const headers = cavageHeaders(target, 'GET', signer.keyId, keys.get(signer.username)!.privateKeyPem);
    const answer = await send(target, 'GET', { ...headers, accept: ACTIVITY_JSON });
    if (answer.status !== 200) throw new Error(`GET ${url} answered ${answer.status}`);
    return JSON.parse(answer.text);
  };

  const deliver = async (username: string, inbox: string, activity: unknown) => {
    const url = new URL(inbox);
    const body = JSON.stringify(activity);
    const headers = cavageHeaders(url, 'POST', account(username).keyId, keys.get(username)!.privateKeyPem, body);
    const answer = await send(url, 'POST', { ...headers, 'content-type': ACTIVITY_JSON }, body);
    return { status: answer.status, text: answer.text };
  };

  /** Why an inbox POST does not verify as draft-cavage, or its verified key id. */
  const verify = async (req: IncomingMessage, path: string, body: string, activity: any): Promise<{ keyId: string } | { reason: string }> => {
    const signature = parseCavageSignature(headerValue(req, 'signature'));
    if (!signature) return { reason: `no draft-cavage Signature header (${headerValue(req, 'signature-input') ? 'RFC 9421 signature' : 'unsigned'})` };
    const names = (signature.get('headers') ?? 'date').toLowerCase().split(/\s+/);
    for (const required of ['(request-target)', 'host', 'date', 'digest']) if (!names.includes(required)) return { reason: `the signature does not cover ${required}` };
    if (headerValue(req, 'digest') !== sha256Digest(body)) return { reason: 'the Digest does not match the body' };
    const date = Date.parse(headerValue(req, 'date') ?? '');
    if (!(Math.abs(Date.now() - date) < DATE_WINDOW_MS)) return { reason: 'the Date is missing or too far off' };
    const signingString = names.map((name) => (name === '(request-target)' ? `(request-target): ${req.method!.toLowerCase()} ${path}` : `${name}: ${headerValue(req, name) ?? ''}`)).join('\n');
    const keyId = signature.get('keyId')!;
    let owner: any;
    try {
      owner = await fetchDocument(keyId);
    } catch (error) {
      return { reason: `the key ${keyId} could not be fetched: ${(error as Error).message}` };
    }
    const publicKeys = [owner?.publicKey].flat().filter(Boolean);
    const key = publicKeys.find((candidate: any) => candidate.id === keyId) ?? (owner?.id === keyId ? owner : undefined);
    if (!key?.publicKeyPem) return { reason: `no public key ${keyId}` };
    const ok = createVerify('sha256').update(signingString).verify(key.publicKeyPem, signature.get('signature')!, 'base64');
    if (!ok) return { reason: `the signature by ${keyId} does not verify` };
    const actor = typeof activity?.actor === 'string' ? activity.actor : activity?.actor?.id;
    if ((key.owner ?? owner.id) !== actor) return { reason: `${keyId} is not the key of the actor ${actor}` };
    return { keyId };
  };

  /** What a verified activity makes the peer do: a Follow of one of its accounts is accepted. */
  const act = async (activity: any) => {
    if (activity?.type !== 'Follow') return;
    const followed = typeof activity.object === 'string' ? activity.object : activity.object?.id;
    const local = options.usernames.find((username) => account(username).actorId === followed);
    if (!local) return;
    const follower = await fetchDocument(typeof activity.actor === 'string' ? activity.actor : activity.actor.id);
    const accept = { '@context': AS, id: `${account(local).actorId}#accepts/${encodeURIComponent(activity.id)}`, type: 'Accept', actor: account(local).actorId, object: activity };
    await deliver(local, follower.inbox, accept);
  };

  const takeDelivery = (req: IncomingMessage, res: ServerResponse, path: string, body: string) => {
    // snac's way: taken at once, verified later, dropped silently when it does not verify
    res.writeHead(202).end();
    verifying = verifying.then(async () => {
      let activity: any;
      try {
        activity = JSON.parse(body);
      } catch {
        dropped.push({ path, reason: 'not JSON' });
        return;
      }
      const verdict = await verify(req, path, body, activity).catch((error: Error) => ({ reason: `verification failed: ${error.message}` }));
      if ('reason' in verdict) {
        dropped.push({ path, reason: verdict.reason });
        return;
      }
      accepted.push({ path, keyId: verdict.keyId, activity });
      await act(activity).catch((error: Error) => dropped.push({ path, reason: `could not answer: ${error.message}` }));
    });
  };

  const answerJson = (res: ServerResponse, document: unknown, type = ACTIVITY_JSON) => {
    res.writeHead(200, { 'content-type': type }).end(JSON.stringify(document));
  };

  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);
    if (req.method === 'POST') {
      const inboxOf = /^\/users\/([^/]+)\/inbox$/.exec(url.pathname)?.[1];
      if (url.pathname === '/inbox' || (inboxOf && keys.has(inboxOf))) return takeDelivery(req, res, url.pathname, body);
      return res.writeHead(404).end();
    }
    if (req.headers.signature) fetchSignatures.push({ path: url.pathname, spec: parseCavageSignature(headerValue(req, 'signature')) ? 'draft-cavage' : 'rfc9421' });
    else if (req.headers['signature-input']) fetchSignatures.push({ path: url.pathname, spec: 'rfc9421' });
    if (url.pathname === '/.well-known/webfinger') {
      const match = /^acct:([^@]+)@(.+)$/.exec(url.searchParams.get('resource') ?? '');
      if (!match || match[2] !== host || !keys.has(match[1]!)) return res.writeHead(404).end();
      const { actorId } = account(match[1]!);
      return answerJson(
        res,
        {
          subject: `acct:${match[1]}@${host}`,
          aliases: [actorId],
          links: [
            { rel: 'self', type: ACTIVITY_JSON, href: actorId },
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${origin}/@${match[1]}` },
          ],
        },
        'application/jrd+json',
      );
    }
    const actorPath = /^\/users\/([^/]+)(\/(outbox|followers|following))?$/.exec(url.pathname);
    if (actorPath && keys.has(actorPath[1]!)) {
      if (!actorPath[2]) return answerJson(res, actorDocument(actorPath[1]!));
      return answerJson(res, { '@context': AS, id: `${origin}${url.pathname}`, type: 'OrderedCollection', totalItems: 0, orderedItems: [] });
    }
    const document = documents.get(url.pathname);
    if (document !== undefined) return answerJson(res, document);
    res.writeHead(404).end();
  });

  return {
    origin,
    host,
    account,
    accepted,
    dropped,
    fetchSignatures,
    acceptedOf: (type, path) => accepted.filter((entry) => entry.activity?.type === type && (path === undefined || entry.path === path)).map((entry) => entry.activity),
    deliver,
    serve: (path, document) => void documents.set(path, document),
    async settled() {
      let current: Promise<void>;
      do {
        current = verifying;
        await current;
      } while (current !== verifying);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
