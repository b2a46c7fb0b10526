import { createECDH, createPublicKey, createDecipheriv, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ownAddress, ownPort } from './loopback.ts';

/**
 * A Web Push service for tests, as a browser vendor runs one: it hands out endpoints with a device's
 * keys, takes the pushes sent to them, checks their VAPID signature and decrypts them as the device
 * would (RFC 8291 `aes128gcm`, written here from the RFC with node:crypto, not with web-push, so that
 * a test proves the two ends agree rather than one library agreeing with itself).
 */

export interface PushDevice {
  /** what a client sends as `subscription` */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** what the push service answers the next pushes (201 unless set) */
  answer: number;
  received: ReceivedPush[];
  ecdh: ECDH;
  authSecret: Buffer;
}

export interface ReceivedPush {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** the decrypted payload (`aes128gcm`, or the older `aesgcm`) */
  plaintext?: string;
  /** the VAPID claims, once the signature checked out against `k` */
  vapid?: { publicKey: string; claims: { aud: string; exp: number; sub: string } };
  /** why the push could not be read */
  error?: string;
}

export interface PushService {
  url: string;
  device(name: string): PushDevice;
  close(): Promise<void>;
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** RFC 8291 §3.4 and RFC 8188: the content-encryption key and nonce, then the one record, its padding removed. */
export function decryptAes128gcm(body: Buffer, device: Pick<PushDevice, 'ecdh' | 'authSecret'>): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20]!;
  const senderPublic = body.subarray(21, 21 + keyIdLength);
  const records = body.subarray(21 + keyIdLength);
  if (keyIdLength !== 65) throw new Error(`the keyid is the sender's 65-byte public key, got ${keyIdLength} bytes`);
  if (records.length > recordSize) throw new Error('a push payload is one record');
  const shared = device.ecdh.computeSecret(senderPublic);
  const receiverPublic = device.ecdh.getPublicKey();
  // IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverPublic, senderPublic]);
  const ikm = hkdf(shared, device.authSecret, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // the last record ends with the delimiter 0x02, then zero or more 0x00 bytes of padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record has no 0x02 padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/**
 * The older `aesgcm` encoding (draft-ietf-webpush-encryption-04, what Mastodon sends a subscription
 * not marked `standard`): the sender's key in `Crypto-Key: dh=`, the salt in `Encryption: salt=`.
 */
export function decryptAesgcm(body: Buffer, headers: ReceivedPush['headers'], device: Pick<PushDevice, 'ecdh' | 'authSecret'>): string {
  const dh = /(?:^|[;,])\s*dh=([A-Za-z0-9_-]+)/.exec(String(headers['crypto-key']))?.[1];
  const salt = /salt=([A-Za-z0-9_-]+)/.exec(String(headers.encryption))?.[1];
  if (!dh || !salt) throw new Error('an aesgcm push names its dh key and salt in Crypto-Key and Encryption');
  const senderPublic = Buffer.from(dh, 'base64url');
  const receiverPublic = device.ecdh.getPublicKey();
  const prk = hkdf(device.ecdh.computeSecret(senderPublic), device.authSecret, Buffer.from('Content-Encoding: auth\0'), 32);
  const length = (key: Buffer) => Buffer.from([0, key.length]);
  const context = Buffer.concat([Buffer.from('P-256\0'), length(receiverPublic), receiverPublic, length(senderPublic), senderPublic]);
  const saltBytes = Buffer.from(salt, 'base64url');
  const cek = hkdf(prk, saltBytes, Buffer.concat([Buffer.from('Content-Encoding: aesgcm\0'), context]), 16);
  const nonce = hkdf(prk, saltBytes, Buffer.concat([Buffer.from('Content-Encoding: nonce\0'), context]), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(body.subarray(body.length - 16));
  const padded = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  // two bytes of padding length, the padding, then the text
  return padded.subarray(2 + padded.readUInt16BE(0)).toString('utf8');
}

/** The older `Authorization: WebPush <JWT>` with the key in `Crypto-Key: p256ecdsa=`, as aesgcm pushes carry VAPID. */
function legacyVapid(headers: ReceivedPush['headers']): string | undefined {
  const jwt = /^WebPush (\S+)$/.exec(String(headers.authorization))?.[1];
  const key = /p256ecdsa=([A-Za-z0-9_-]+)/.exec(String(headers['crypto-key']))?.[1];
  return jwt && key ? `vapid t=${jwt}, k=${key}` : undefined;
}

/** RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed ES256 by the key named. */
export function verifyVapid(authorization: string | undefined): NonNullable<ReceivedPush['vapid']> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [, jwt, publicKey] = match as unknown as [string, string, string];
  const [header, claims, signature] = jwt.split('.') as [string, string, string];
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!valid) throw new Error('the VAPID signature does not verify');
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg: string };
  if (parsedHeader.alg !== 'ES256') throw new Error(`VAPID JWTs are ES256, got ${parsedHeader.alg}`);
  return { publicKey, claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) };
}

/** Starts a push service on this test file's own loopback address. */
export async function startPushService(): Promise<PushService> {
  const devices = new Map<string, PushDevice>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const device = devices.get(decodeURIComponent((request.url ?? '').replace(/^\/push\//, '')));
      if (!device || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      const received: ReceivedPush = { headers: request.headers, body: Buffer.concat(chunks) };
      try {
        const encoding = request.headers['content-encoding'];
        received.vapid = verifyVapid(encoding === 'aesgcm' ? legacyVapid(request.headers) : request.headers.authorization);
        received.plaintext = encoding === 'aesgcm' ? decryptAesgcm(received.body, request.headers, device) : decryptAes128gcm(received.body, device);
      } catch (error) {
        received.error = (error as Error).message;
      }
      device.received.push(received);
      response.writeHead(device.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(ownPort(), ownAddress(), resolve));
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  return {
    url,
    device(name) {
      let device = devices.get(name);
      if (!device) {
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        const authSecret = randomBytes(16);
        device = {
          subscription: { endpoint: `${url}/push/${encodeURIComponent(name)}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } },
          answer: 201,
          received: [],
          ecdh,
          authSecret,
        };
        devices.set(name, device);
      }
      return device;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
