import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailDir, NodemailerMailer, smtpTransportOptions } from '../../src/backends/mail/mailer.ts';
import { loadConfig, type SmtpConfig } from '../../src/config/index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-mail-test-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('mail to .eml files (no SMTP_SERVER)', () => {
  test('each message becomes one RFC 822 file in <dataDir>/mail', async () => {
    const config = loadConfig({ SUBSPACE_DATA_DIR: tempDir(), SMTP_FROM_ADDRESS: 'Subspace <notifications@example.com>' });
    const mailer = new NodemailerMailer(config);
    await mailer.send({ to: 'alice@example.com', subject: 'Welcome to Subspace ✨', text: 'Hello Alice', html: '<p>Hello <b>Alice</b></p>' });
    await mailer.send({ to: 'bob@example.com', subject: 'Plain', text: 'Hi Bob' });
    await mailer.close();

    const files = readdirSync(mailDir(config)).sort();
    assert.equal(files.length, 2, `files: ${files.join(', ')}`);
    for (const file of files) assert.match(file, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z-[0-9a-f]{12}\.eml$/);

    const messages = files.map((file) => readFileSync(join(mailDir(config), file), 'utf8'));
    const first = messages.find((message) => message.includes('alice@example.com'))!;
    assert.ok(first.includes('\r\n'), 'CRLF line endings');
    assert.doesNotMatch(first.replace(/\r\n/g, ''), /\n/, 'no bare LF');
    assert.match(first, /^From: Subspace <notifications@example\.com>\r$/m);
    assert.match(first, /^To: alice@example\.com\r$/m);
    assert.match(first, /^Subject: =\?UTF-8\?/m);
    assert.match(first, /^Message-ID: </m);
    assert.match(first, /^Content-Type: multipart\/alternative/m);
    assert.ok(first.includes('Hello Alice'));
    assert.ok(first.includes('<p>Hello <b>Alice</b></p>'));

    const second = messages.find((message) => message.includes('bob@example.com'))!;
    assert.match(second, /^Subject: Plain\r$/m);
    assert.match(second, /^Content-Type: text\/plain/m);
  });

  test('the default sender is notifications@<LOCAL_DOMAIN>', async () => {
    const config = loadConfig({ SUBSPACE_DATA_DIR: tempDir(), LOCAL_DOMAIN: 'social.example' });
    const mailer = new NodemailerMailer(config);
    await mailer.send({ to: 'carol@example.com', subject: 'Hi', text: 'Hi' });
    await mailer.close();
    const [file] = readdirSync(mailDir(config));
    assert.match(readFileSync(join(mailDir(config), file), 'utf8'), /^From: notifications@social\.example\r$/m);
  });
});

interface Session {
  commands: string[];
  data: string;
}

/** Just enough of an SMTP server: EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT. */
function fakeSmtpServer(): { server: Server; sessions: Session[] } {
  const sessions: Session[] = [];
  const server = createServer((socket) => {
    const session: Session = { commands: [], data: '' };
    sessions.push(session);
    let buffer = '';
    let inData = false;
    let loginStep = 0;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 fake ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end < 0) return;
        session.data = buffer.slice(0, end);
        buffer = buffer.slice(end + 5);
        inData = false;
        reply('250 queued');
      }
      let newline: number;
      while (!inData && (newline = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        session.commands.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        if (loginStep === 1) {
          loginStep = 2;
          reply('334 UGFzc3dvcmQ6');
        } else if (loginStep === 2) {
          loginStep = 0;
          reply('235 authenticated');
        } else if (verb === 'EHLO') reply('250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME');
        else if (verb === 'AUTH' && /^AUTH LOGIN/i.test(line)) {
          loginStep = 1;
          reply('334 VXNlcm5hbWU6');
        } else if (verb === 'AUTH') reply('235 authenticated');
        else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('250 ok');
      }
    });
    socket.on('error', () => {});
  });
  return { server, sessions };
}

describe('mail through SMTP', () => {
  let fake: ReturnType<typeof fakeSmtpServer>;
  let port: number;
  before(async () => {
    fake = fakeSmtpServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    port = (fake.server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => fake.server.close(resolve));
  });

  const smtpEnv = (extra: Record<string, string>) =>
    loadConfig({
      SUBSPACE_DATA_DIR: tempDir(),
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_FROM_ADDRESS: 'notifications@example.com',
      SMTP_ENABLE_STARTTLS_AUTO: 'false',
      ...extra,
    });

  for (const method of ['plain', 'login']) {
    test(`sends with AUTH ${method.toUpperCase()} and writes no file`, async () => {
      const config = smtpEnv({ SMTP_LOGIN: 'mailer', SMTP_PASSWORD: 's3cret', SMTP_AUTH_METHOD: method });
      const mailer = new NodemailerMailer(config);
      const before = fake.sessions.length;
      await mailer.send({ to: 'dave@example.com', subject: `Via ${method}`, text: 'Over the wire' });
      await mailer.close();
      const session = fake.sessions[before];
      const commands = session.commands.join('\n');
      if (method === 'plain') {
        const encoded = /^AUTH PLAIN (\S+)/m.exec(commands)![1];
        assert.equal(Buffer.from(encoded, 'base64').toString(), '\0mailer\0s3cret');
      } else {
        assert.match(commands, /^AUTH LOGIN/m);
        assert.ok(session.commands.includes(Buffer.from('mailer').toString('base64')));
        assert.ok(session.commands.includes(Buffer.from('s3cret').toString('base64')));
      }
      assert.match(commands, /^MAIL FROM:<notifications@example\.com>/m);
      assert.match(commands, /^RCPT TO:<dave@example\.com>/m);
      assert.match(session.data, new RegExp(`^Subject: Via ${method}\\r$`, 'm'));
      assert.ok(session.data.includes('Over the wire'));
      assert.deepEqual(
        readdirSync(config.dataDir).filter((name) => name === 'mail'),
        [],
      );
    });
  }

  test('without a login no AUTH is sent', async () => {
    const mailer = new NodemailerMailer(smtpEnv({}));
    const before = fake.sessions.length;
    await mailer.send({ to: 'erin@example.com', subject: 'Anonymous', text: 'x' });
    await mailer.close();
    assert.ok(!fake.sessions[before].commands.some((command) => command.startsWith('AUTH')));
  });
});

describe('SMTP settings', () => {
  const base: SmtpConfig = {
    server: 'smtp.example.com',
    port: 587,
    login: 'user',
    password: 'pass',
    authMethod: 'plain',
    enableStarttlsAuto: true,
    tls: false,
    opensslVerifyMode: 'peer',
  };

  test('STARTTLS when offered by default, implicit TLS with SMTP_TLS, none when switched off', () => {
    const auto = smtpTransportOptions(base);
    assert.equal(auto.host, 'smtp.example.com');
    assert.equal(auto.port, 587);
    assert.equal(auto.secure, false);
    assert.equal(auto.ignoreTLS, false);
    assert.deepEqual(auto.auth, { user: 'user', pass: 'pass', method: 'PLAIN' });
    assert.equal(smtpTransportOptions({ ...base, tls: true, port: 465 }).secure, true);
    assert.equal(smtpTransportOptions({ ...base, enableStarttlsAuto: false }).ignoreTLS, true);
  });

  test('auth methods and verification mode', () => {
    assert.equal(smtpTransportOptions({ ...base, authMethod: 'cram_md5' }).auth?.method, 'CRAM-MD5');
    assert.equal(smtpTransportOptions({ ...base, authMethod: 'login' }).auth?.method, 'LOGIN');
    assert.equal(smtpTransportOptions({ ...base, authMethod: 'none' }).auth, undefined);
    assert.equal(smtpTransportOptions({ ...base, login: undefined }).auth, undefined);
    assert.equal(smtpTransportOptions(base).tls?.rejectUnauthorized, undefined);
    assert.equal(smtpTransportOptions({ ...base, opensslVerifyMode: 'none' }).tls?.rejectUnauthorized, false);
  });

  test('SMTP_CA_FILE is read as the CA', () => {
    const caFile = join(tempDir(), 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
    const ca = smtpTransportOptions({ ...base, caFile }).tls?.ca;
    assert.ok(Buffer.isBuffer(ca) && ca.toString().includes('fake'));
  });
});
