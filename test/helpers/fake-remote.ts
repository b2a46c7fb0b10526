import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCryptoKeyPair, signRequest } from '@fedify/fedify';
import { CryptographicKey, Endpoints, Person } from '@fedify/vocab';

type PersonValues = NonNullable<ConstructorParameters<typeof Person>[0]>;

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
  /** what was POSTed to bob's inbox (`/users/bob/inbox`) or the shared inbox (`/inbox`), which answer 202 */
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
  /**
   * POSTs `activity` to `instanceUrl` (where the instance listens), signed (draft-cavage) for
   * `canonicalUrl` (the inbox URL other servers would see), and returns status and body.
   */
  postSigned(instanceUrl: string, canonicalUrl: string, activity: unknown): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startFakeRemote(): Promise<FakeRemote> {
  const keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
  const received: string[] = [];
  const delivered: FakeRemote['delivered'] = [];
  const counts: FakeRemote['counts'] = {};
  const documents = new Map<string, unknown>();
  let actorJson = '';
  let host = '';
  const json = (res: import('node:http').ServerResponse, type: string, value: unknown) => {
    res.writeHead(200, { 'content-type': type });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://remote');
    if (req.method === 'POST' && (url.pathname === '/users/bob/inbox' || url.pathname === '/inbox')) {
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
    } else if (url.pathname === '/.well-known/webfinger' && url.searchParams.get('resource')?.toLowerCase() === `acct:bob@${host}`) {
      json(res, 'application/jrd+json', { subject: `acct:bob@${host}`, links: [{ rel: 'self', type: 'application/activity+json', href: fake.webfingerHref }] });
    } else if (['/users/bob/followers', '/users/bob/following', '/users/bob/outbox'].includes(url.pathname)) {
      const total = counts[url.pathname.slice('/users/bob/'.length) as keyof typeof counts];
      json(res, 'application/activity+json', { '@context': 'https://www.w3.org/ns/activitystreams', id: `http://${host}${url.pathname}`, type: 'OrderedCollection', ...(total === undefined ? {} : { totalItems: total }) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const origin = `http://${host}`;
  const actorId = `${origin}/users/bob`;
  const keyId = `${actorId}#main-key`;
  const base: PersonValues = {
    id: new URL(actorId),
    preferredUsername: 'bob',
    inbox: new URL(`${actorId}/inbox`),
    followers: new URL(`${actorId}/followers`),
    following: new URL(`${actorId}/following`),
    outbox: new URL(`${actorId}/outbox`),
    endpoints: new Endpoints({ sharedInbox: new URL(`${origin}/inbox`) }),
    publicKey: new CryptographicKey({ id: new URL(keyId), owner: new URL(actorId), publicKey: keys.publicKey }),
  };
  const render = async (values: Partial<PersonValues>, type: new (values: PersonValues) => unknown = Person) => {
    actorJson = JSON.stringify(await (new type({ ...base, ...values, id: base.id, publicKey: base.publicKey }) as Person).toJsonLd());
  };
  await render({});

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
    async postSigned(instanceUrl, canonicalUrl, activity) {
      const body = JSON.stringify(activity);
      const unsigned = new Request(canonicalUrl, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body });
      const signed = await signRequest(unsigned, keys.privateKey, new URL(keyId), { spec: 'draft-cavage-http-signatures-12' });
      const target = new URL(new URL(canonicalUrl).pathname, instanceUrl);
      // node:http, because fetch() would replace the signed Host header with the loopback address
      const headers = Object.fromEntries(signed.headers);
      return new Promise((resolve, reject) => {
        const req = httpRequest(target, { method: 'POST', headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return fake;
}
