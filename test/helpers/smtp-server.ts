import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { makeServerCertificate } from './test-certificates.ts';
import { until } from './until.ts';

/** A message the test SMTP server accepted, parsed. */
export interface ReceivedMail {
  raw: string;
  envelope: { from: string; to: string[] };
  /** whether the session had switched to TLS (STARTTLS) before the message */
  secure: boolean;
  /** the login the client authenticated as, and how */
  user: string | undefined;
  authMethod: string | undefined;
  /** header fields, lower-cased names, unfolded; encoded words decoded */
  headers: Record<string, string>;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  port: number;
  /** the CA the server's certificate chains to */
  caFile: string;
  mails: ReceivedMail[];
  /** the SMTP_* variables that point an instance here, with STARTTLS verified against the CA and AUTH as the test login */
  env: Record<string, string>;
  /** waits for a mail to `to` matching `test` (by default the first one), and returns it */
  waitForMail(to: string, test?: (mail: ReceivedMail) => boolean, what?: string): Promise<ReceivedMail>;
  mailsTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

export const SMTP_LOGIN = 'subspace-mailer';
export const SMTP_PASSWORD = 'correct horse battery staple';

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_match, encoding: string, text: string) =>
    encoding.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(decodeQuotedPrintableBytes(text.replace(/_/g, ' '))).toString('utf8'),
  );
}

function decodeQuotedPrintableBytes(text: string): number[] {
  const bytes: number[] = [];
  const input = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '=' && /^[0-9A-F]{2}$/i.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(input[i]!, 'utf8'));
  }
  return bytes;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return headers;
}

function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  return end < 0 ? { headers: parseHeaders(raw), body: '' } : { headers: parseHeaders(raw.slice(0, end)), body: raw.slice(end).replace(/^\r?\n\r?\n/, '') };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return Buffer.from(decodeQuotedPrintableBytes(body)).toString('utf8');
  return body;
}

/** The text and HTML parts of a message (a single part, or multipart/alternative). */
export function parseMail(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const { headers, body } = splitEntity(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const parts: { type: string; content: string }[] = [];
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitEntity(chunk.replace(/^\r?\n/, ''));
      parts.push({ type: part.headers['content-type'] ?? 'text/plain', content: decodeBody(part.headers, part.body) });
    }
  } else parts.push({ type, content: decodeBody(headers, body) });
  return {
    headers,
    text: parts.find((part) => /^text\/plain/i.test(part.type))?.content ?? '',
    html: parts.find((part) => /^text\/html/i.test(part.type))?.content ?? '',
  };
}

/**
 * A real SMTP server (nodemailer's `smtp-server`) on loopback for a test: it offers STARTTLS with
 * a certificate from a throwaway CA, and accepts mail only after AUTH PLAIN or LOGIN as
 * SMTP_LOGIN/SMTP_PASSWORD, over TLS; every accepted message is kept, parsed, in `mails`.
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-smtp-test-'));
  const { caFile, certFile, keyFile } = makeServerCertificate(dir, '127.0.0.1');
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    authMethods: ['PLAIN', 'LOGIN'],
    // no login before STARTTLS (the default), and none without one
    authOptional: false,
    logger: false,
    onAuth(auth, session, callback) {
      if (auth.username === SMTP_LOGIN && auth.password === SMTP_PASSWORD) callback(null, { user: `${auth.username} ${auth.method}` });
      else callback(new Error('Invalid username or password'));
      void session;
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const [user, authMethod] = (session.user ?? '').split(' ');
        mails.push({
          raw,
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((address) => address.address),
          },
          secure: session.secure,
          user: user || undefined,
          authMethod: authMethod || undefined,
          ...parseMail(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const mailsTo = (to: string) => mails.filter((mail) => mail.envelope.to.some((address) => address.toLowerCase() === to.toLowerCase()));
  return {
    port,
    caFile,
    mails,
    env: {
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_LOGIN,
      SMTP_PASSWORD,
      SMTP_ENABLE_STARTTLS: 'always',
      SMTP_CA_FILE: caFile,
      SMTP_FROM_ADDRESS: 'Subspace Test <notifications@subspace.test>',
    },
    mailsTo,
    waitForMail: (to, test = () => true, what = `a mail to ${to}`) => until(async () => mailsTo(to).find(test), what),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
