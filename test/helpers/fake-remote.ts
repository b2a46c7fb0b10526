import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCryptoKeyPair, signRequest } from '@fedify/fedify';
import { CryptographicKey, Person } from '@fedify/vocab';

/**
 * A remote ActivityPub server on loopback with one actor, `/users/bob`, whose key signs requests
 * to a test instance. Its origin is an IP literal, so the instance must list 127.0.0.1 in
 * ALLOWED_PRIVATE_ADDRESSES to fetch the key.
 */
export interface FakeRemote {
  origin: string;
  actorId: string;
  keyId: string;
  /** requests the remote received, as `METHOD path` */
  received: string[];
  /** what was POSTed to bob's inbox (`/users/bob/inbox`), which answers 202 */
  delivered: { headers: Record<string, string | string[] | undefined>; body: any }[];
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
  let actorJson = '';
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === '/users/bob/inbox') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        delivered.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(202).end();
      });
    } else if (req.url === '/users/bob') {
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.end(actorJson);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const actorId = `${origin}/users/bob`;
  const keyId = `${actorId}#main-key`;
  const actor = new Person({
    id: new URL(actorId),
    preferredUsername: 'bob',
    inbox: new URL(`${actorId}/inbox`),
    publicKey: new CryptographicKey({ id: new URL(keyId), owner: new URL(actorId), publicKey: keys.publicKey }),
  });
  actorJson = JSON.stringify(await actor.toJsonLd());

  return {
    origin,
    actorId,
    keyId,
    received,
    delivered,
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
}
