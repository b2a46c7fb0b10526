import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailDir, NodemailerMailer, smtpTransportOptions } from '../../src/backends/mail/mailer.ts';
import { loadConfig, type SmtpConfig } from '../../src/config/index.ts';
import { SMTP_LOGIN, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { HAS_OPENSSL } from '../helpers/test-certificates.ts';

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

describe('mail through a real SMTP server (smtp-server, STARTTLS, AUTH)', { skip: HAS_OPENSSL ? false : 'openssl is missing' }, () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(() => smtp.close());

  const mailerWith = (extra: Record<string, string>) => new NodemailerMailer(loadConfig({ SUBSPACE_DATA_DIR: tempDir(), ...smtp.env, ...extra }));

  for (const method of ['plain', 'login']) {
    test(`upgrades to TLS, verified against SMTP_CA_FILE, and logs in with AUTH ${method.toUpperCase()}`, async () => {
      const mailer = mailerWith({ SMTP_AUTH_METHOD: method });
      await mailer.send({
        to: 'frank@example.com',
        toName: 'frank',
        subject: `Over TLS with ${method}`,
        text: 'Plain part',
        html: '<p>HTML part</p>',
        headers: { 'List-Unsubscribe': '<http://subspace.test/unsubscribe?token=x&type=follow>' },
      });
      await mailer.close();
      const mail = smtp.mails.find((candidate) => candidate.headers.subject === `Over TLS with ${method}`)!;
      assert.equal(mail.secure, true);
      assert.equal(mail.user, SMTP_LOGIN);
      assert.equal(mail.authMethod, method.toUpperCase());
      assert.deepEqual(mail.envelope, { from: 'notifications@subspace.test', to: ['frank@example.com'] });
      assert.equal(mail.headers.to, 'frank <frank@example.com>');
      assert.equal(mail.headers['list-unsubscribe'], '<http://subspace.test/unsubscribe?token=x&type=follow>');
      assert.equal(mail.text.trim(), 'Plain part');
      assert.equal(mail.html.trim(), '<p>HTML part</p>');
    });
  }

  test('refuses a server whose certificate it cannot verify, unless SMTP_OPENSSL_VERIFY_MODE=none', async () => {
    const untrusting = mailerWith({ SMTP_CA_FILE: '' });
    await assert.rejects(untrusting.send({ to: 'gina@example.com', subject: 'Unverified', text: 'x' }), /certificate/i);
    await untrusting.close();
    const trusting = mailerWith({ SMTP_CA_FILE: '', SMTP_OPENSSL_VERIFY_MODE: 'none' });
    await trusting.send({ to: 'gina@example.com', subject: 'Unverified but allowed', text: 'x' });
    await trusting.close();
    assert.ok(smtp.mails.some((mail) => mail.headers.subject === 'Unverified but allowed' && mail.secure));
  });

  test('a wrong password is an error, and no mail is accepted without AUTH', async () => {
    const wrong = mailerWith({ SMTP_PASSWORD: 'wrong' });
    await assert.rejects(wrong.send({ to: 'hank@example.com', subject: 'Wrong password', text: 'x' }), /Invalid username or password|535/);
    await wrong.close();
    const anonymous = mailerWith({ SMTP_LOGIN: '' });
    await assert.rejects(anonymous.send({ to: 'hank@example.com', subject: 'No login', text: 'x' }), /auth/i);
    await anonymous.close();
    assert.ok(!smtp.mails.some((mail) => mail.envelope.to.includes('hank@example.com')));
  });

  test('SMTP_ENABLE_STARTTLS=never sends in clear text, which this server refuses to log in over', async () => {
    const clear = mailerWith({ SMTP_ENABLE_STARTTLS: 'never' });
    await assert.rejects(clear.send({ to: 'ivy@example.com', subject: 'Clear', text: 'x' }));
    await clear.close();
    assert.equal(smtpTransportOptions(loadConfig({ ...smtp.env, SUBSPACE_DATA_DIR: tempDir() }).mail.smtp!).requireTLS, true, 'always: a server without STARTTLS is an error');
  });
});
