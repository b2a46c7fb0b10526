import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCryptoKeyPair, signJsonLd, signObject, signRequest } from '@fedify/fedify';
import { Activity, CryptographicKey, Endpoints, Multikey, Person } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';

type PersonValues = NonNullable<ConstructorParameters<typeof Person>[0]>;

/** How {@link FakeRemote.sign} signs a request; every option defaults to what Mastodon sends. */
export interface SignOptions {
  /** `draft-cavage` (default: draft-cavage-http-signatures-12, as Mastodon signs) or `rfc9421` (HTTP Message Signatures) */
  spec?: 'draft-cavage' | 'rfc9421';
  /** draft-cavage's `algorithm` parameter: `rsa-sha256` (default) or `hs2019` (same RSA signature, as newer servers name it) */
  algorithm?: 'rsa-sha256' | 'hs2019';
  /** when the request claims to be signed (the Date header, RFC 9421's `created`); now by default */
  time?: Date;
  /** the private key that signs (bob's current one by default) */
  privateKey?: CryptoKey;
  /** the keyId the signature names (bob's current key by default) */
  keyId?: string;
  /** sign a request without its body (RFC 9421 then covers no Content-Digest), the body being sent anyway */
  withoutBodyDigest?: boolean;
}

/** A signed request ready to be sent (and sent again): the inbox path, its headers (lower-case names) and body. */
export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A remote ActivityPub server on loopback with one actor, `/users/bob`, whose key signs requests
 * to a test instance. Its origin is an IP literal, so the instance must list 127.0.0.1 in
 * ALLOWED_PRIVATE_ADDRESSES to fetch the key. It answers WebFinger for `bob@<host>` (over http,
 * as an instance with LOCAL_HTTPS=false asks), and serves bob's followers, following and outbox
 * collections with the totals given in `counts`.
 */
export interface FakeRemote {
  origin: string;
  /** the host with its port, the domain of bob's handle */
  host: string;
  /** `bob@<host>` */
  handle: string;
  actorId: string;
  keyId: string;
  /** requests the remote received, as `METHOD path` */
  received: string[];
  /** what was POSTed to bob's inbox (`/users/bob/inbox`), another actor's, or the shared inbox (`/inbox`), which answer 202 */
  delivered: { headers: Record<string, string | string[] | undefined>; body: any; path: string }[];
  /** bob's actor document as served now */
  actor(): Promise<Record<string, unknown>>;
  /** changes bob's actor (name, summary, attachments, manuallyApprovesFollowers…, even the inbox); its id and key stay */
  setActor(values: Partial<PersonValues>, type?: typeof Person | (new (values: PersonValues) => unknown)): Promise<void>;
  /** where WebFinger for bob says his actor is (his own actor unless changed) */
  webfingerHref: string;
  /** totals of bob's collections; undefined ones are served without totalItems */
  counts: { followers?: number; following?: number; outbox?: number };
  /** serves `document` as JSON at `path` (a status to fetch, a JSON-LD context of the remote's own) */
  serve(path: string, document: unknown): void;
  /** answers requests for `path` with `handler` (a redirect, a slow or huge answer…) */
  route(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /**
   * POSTs `activity` to `instanceUrl` (where the instance listens), signed (draft-cavage unless
   * `options` say otherwise) for `canonicalUrl` (the inbox URL other servers would see), and
   * returns status and body.
   */
  postSigned(instanceUrl: string, canonicalUrl: string, activity: unknown, options?: SignOptions): Promise<{ status: number; text: string }>;
  /** `activity` as a signed POST to `canonicalUrl`, to be changed or sent (more than once) with {@link send} */
  sign(canonicalUrl: string, activity: unknown, options?: SignOptions): Promise<SignedRequest>;
  /** sends a signed request, as it is, to the instance listening at `instanceUrl` */
  send(instanceUrl: string, request: SignedRequest): Promise<{ status: number; text: string }>;
  /**
   * another actor on this server, `/users/<username>`, with its own inbox (deliveries recorded in
   * `delivered`), the shared inbox and WebFinger for `<username>@<host>`; returns its id
   */
  addActor(username: string): Promise<string>;
  /** bob's current RSA private key (what signs unless told otherwise) */
  privateKey(): CryptoKey;
  /**
   * bob gets a new RSA key pair: his actor document serves the new public key, under `keyId`
   * (his key id unchanged by default); requests are signed with the new key from now on.
   * Returns the old private key and key id.
   */
  rotateKey(keyId?: string): Promise<{ privateKey: CryptoKey; keyId: string }>;
  /** `activity` with bob's Linked Data signature (RsaSignature2017, as Mastodon signs what may be forwarded) */
  ldSign(activity: Record<string, unknown>, privateKey?: CryptoKey): Promise<Record<string, any>>;
  /** the id of bob's Ed25519 key (a Multikey in his actor's assertionMethod) */
  ed25519KeyId: string;
  /** `activity` with bob's Object Integrity Proof (FEP-8b32, eddsa-jcs-2022, his Ed25519 key) */
  proofSign(activity: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** A Temporal.Instant for Fedify's signRequest (which reads `currentTime`). */
function instantOf(time: Date) {
  return Temporal.Instant.fromEpochMilliseconds(time.getTime());
}

/**
 * `address`: the loopback address to listen on (127.0.0.1 by default), which the instance must allow;
 * `port`: a free one by default (80 makes handles without a port, which can be written in posts).
 */
export async function startFakeRemote(options: { address?: string; port?: number } = {}): Promise<FakeRemote> {
  let keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
  const ed25519 = await generateCryptoKeyPair('Ed25519');
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const received: string[] = [];
  const delivered: FakeRemote['delivered'] = [];
  const counts: FakeRemote['counts'] = {};
  const documents = new Map<string, unknown>();
  /** the other actors' documents by username */
  const others = new Map<string, string>();
  let actorJson = '';
  let host = '';
  const json = (res: import('node:http').ServerResponse, type: string, value: unknown) => {
    res.writeHead(200, { 'content-type': type });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://remote');
    const route = routes.get(url.pathname);
    if (route) {
      route(req, res);
    } else if (req.method === 'POST' && (url.pathname === '/users/bob/inbox' || url.pathname === '/inbox' || others.has(/^\/users\/([^/]+)\/inbox$/.exec(url.pathname)?.[1] ?? ''))) {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        delivered.push({ headers: req.headers, body: JSON.parse(body), path: url.pathname });
        res.writeHead(202).end();
      });
    } else if (req.method === 'GET' && documents.has(url.pathname)) {
      json(res, 'application/activity+json', documents.get(url.pathname));
    } else if (url.pathname === '/users/bob') {
      json(res, 'application/activity+json', actorJson);
    } else if (others.has(url.pathname.slice('/users/'.length))) {
      json(res, 'application/activity+json', others.get(url.pathname.slice('/users/'.length)));
    } else if (url.pathname === '/.well-known/webfinger' && others.has(/^acct:([^@]+)@(.+)$/i.exec(url.searchParams.get('resource') ?? '')?.[1] ?? '')) {
      const username = /^acct:([^@]+)@/i.exec(url.searchParams.get('resource')!)![1]!;
      json(res, 'application/jrd+json', { subject: `acct:${username}@${host}`, links: [{ rel: 'self', type: 'application/activity+json', href: `${origin}/users/${username}` }] });
    } else if (url.pathname === '/.well-known/webfinger' && url.searchParams.get('resource')?.toLowerCase() === `acct:bob@${host}`) {
      json(res, 'application/jrd+json', { subject: `acct:bob@${host}`, links: [{ rel: 'self', type: 'application/activity+json', href: fake.webfingerHref }] });
    } else if (['/users/bob/followers', '/users/bob/following', '/users/bob/outbox'].includes(url.pathname)) {
      const total = counts[url.pathname.slice('/users/bob/'.length) as keyof typeof counts];
      json(res, 'application/activity+json', {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `http://${host}${url.pathname}`,
        type: 'OrderedCollection',
        ...(total === undefined ? {} : { totalItems: total }),
      });
    } else {
      res.writeHead(404).end();
    }
  });
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, address, resolve));
  const port = (server.address() as AddressInfo).port;
  host = port === 80 ? address : `${address}:${port}`;
  const origin = `http://${host}`;
  const actorId = `${origin}/users/bob`;
  let keyId = `${actorId}#main-key`;
  const ed25519KeyId = `${actorId}#ed25519-key`;
  const base: PersonValues = {
    id: new URL(actorId),
    preferredUsername: 'bob',
    inbox: new URL(`${actorId}/inbox`),
    followers: new URL(`${actorId}/followers`),
    following: new URL(`${actorId}/following`),
    outbox: new URL(`${actorId}/outbox`),
    endpoints: new Endpoints({ sharedInbox: new URL(`${origin}/inbox`) }),
    publicKey: new CryptographicKey({ id: new URL(keyId), owner: new URL(actorId), publicKey: keys.publicKey }),
    assertionMethods: [new Multikey({ id: new URL(ed25519KeyId), controller: new URL(actorId), publicKey: ed25519.publicKey })],
  };
  let shown: { values: Partial<PersonValues>; type?: new (values: PersonValues) => unknown } = { values: {} };
  const render = async (values: Partial<PersonValues>, type: new (values: PersonValues) => unknown = Person) => {
    shown = { values, type };
    actorJson = JSON.stringify(await (new type({ ...base, ...values, id: base.id, publicKey: base.publicKey, assertionMethods: base.assertionMethods }) as Person).toJsonLd());
  };
  await render({});

  const sign = async (canonicalUrl: string, activity: unknown, options: SignOptions = {}): Promise<SignedRequest> => {
    const body = JSON.stringify(activity);
    const headers = { 'content-type': 'application/activity+json' };
    const unsigned = new Request(canonicalUrl, { method: 'POST', headers, body });
    const signed = await signRequest(unsigned, options.privateKey ?? keys.privateKey, new URL(options.keyId ?? keyId), {
      spec: options.spec === 'rfc9421' ? 'rfc9421' : 'draft-cavage-http-signatures-12',
      currentTime: options.time ? instantOf(options.time) : undefined,
      // signed as if it had no body: no Digest / Content-Digest
      ...(options.withoutBodyDigest ? { body: null } : {}),
    });
    const signedHeaders = Object.fromEntries(signed.headers);
    if (options.algorithm === 'hs2019') signedHeaders.signature = signedHeaders.signature!.replace('algorithm="rsa-sha256"', 'algorithm="hs2019"');
    return { path: new URL(canonicalUrl).pathname, headers: signedHeaders, body };
  };
  const send = (instanceUrl: string, request: SignedRequest): Promise<{ status: number; text: string }> => {
    const target = new URL(request.path, instanceUrl);
    // node:http, because fetch() would replace the signed Host header with the loopback address
    return new Promise((resolve, reject) => {
      const req = httpRequest(target, { method: 'POST', headers: request.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(request.body);
    });
  };

  const fake: FakeRemote = {
    origin,
    host,
    webfingerHref: actorId,
    handle: `bob@${host}`,
    actorId,
    keyId,
    received,
    delivered,
    counts,
    serve: (path, document) => void documents.set(path, document),
    actor: async () => JSON.parse(actorJson),
    setActor: (values, type) => render(values, type as (new (values: PersonValues) => unknown) | undefined),
    async postSigned(instanceUrl, canonicalUrl, activity, options) {
      return send(instanceUrl, await sign(canonicalUrl, activity, options));
    },
    sign,
    send,
    route: (path, handler) => void routes.set(path, handler),
    async addActor(username) {
      const id = `${origin}/users/${username}`;
      const pair = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
      const person = new Person({
        id: new URL(id),
        preferredUsername: username,
        inbox: new URL(`${id}/inbox`),
        endpoints: new Endpoints({ sharedInbox: new URL(`${origin}/inbox`) }),
        publicKey: new CryptographicKey({ id: new URL(`${id}#main-key`), owner: new URL(id), publicKey: pair.publicKey }),
      });
      others.set(username, JSON.stringify(await person.toJsonLd()));
      return id;
    },
    privateKey: () => keys.privateKey,
    async rotateKey(newKeyId) {
      const previous = { privateKey: keys.privateKey, keyId };
      keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
      keyId = newKeyId ?? keyId;
      fake.keyId = keyId;
      base.publicKey = new CryptographicKey({ id: new URL(keyId), owner: new URL(actorId), publicKey: keys.publicKey });
      await render(shown.values, shown.type);
      return previous;
    },
    ldSign: async (activity, privateKey) => (await signJsonLd(activity, privateKey ?? keys.privateKey, new URL(keyId), {})) as Record<string, any>,
    ed25519KeyId,
    async proofSign(activity) {
      const parsed = await Activity.fromJsonLd(activity);
      const signed = await signObject(parsed, ed25519.privateKey, new URL(ed25519KeyId));
      return (await signed.toJsonLd({ format: 'compact' })) as Record<string, any>;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // a route that never answered (a slow remote) must not keep the server open
        server.closeAllConnections();
      }),
  };
  return fake;
}
