import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import sharp from 'sharp';
import { Browser, formFields } from '../helpers/browser.ts';
import { createServerDatabase, freshRedisUrl, redisMode, request, serverMode, statementModeEnv } from '../helpers/instance.ts';
import { CLI, NODE, runSubspace, waitFor, waitForHealthy, type RunningProcess } from '../helpers/process.ts';
import { ownAddress, ownPort } from '../helpers/loopback.ts';
import { runCli } from '../../src/cli/run.ts';

/**
 * The admin CLI as an admin uses it: `subspace …` as a real process, on a fresh data dir, then
 * against a running `subspace start` (embedded mode: through its control socket, since PGlite
 * admits one process; server mode: straight to PostgreSQL), then after it stopped or was killed.
 */

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function subspace(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: env.SUBSPACE_DATA_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `subspace …` in this process (src/cli/run.ts, which the process's main.ts calls) with this
 * environment: for the many usage and help cases, which each test also checks on a real process or
 * two (spawning one per case cost about a minute of CI time).
 */
async function subspaceInProcess(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: { PATH: process.env.PATH ?? '', ...env }, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Runs these cases in this process, and a few of them (`spawned`) also as real processes, which must answer the same. */
async function runCases(env: Record<string, string>, cases: string[][], spawned: string[][]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const args of cases) results.push(await subspaceInProcess(env, ...args));
  const real = await Promise.all(spawned.map((args) => subspace(env, ...args)));
  spawned.forEach((args, i) => {
    const index = cases.findIndex((other) => other.join(' ') === args.join(' '));
    assert.ok(index >= 0, `${args.join(' ')} is one of the cases`);
    assert.deepEqual(real[i], results[index], `subspace ${args.join(' ')}: the process answers as the in-process run`);
  });
  return results;
}

/** Runs a command that must succeed, and returns its stdout. */
async function ok(env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await subspace(env, ...args);
  assert.equal(result.code, 0, `subspace ${args.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function line(stdout: string, label: string): string {
  const match = new RegExp(`^${label}: (\\S+)$`, 'm').exec(stdout);
  assert.ok(match, `no "${label}:" line in:\n${stdout}`);
  return match[1]!;
}

interface Site {
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A data dir (and in server mode a fresh database and Redis db) for a site nobody has used yet. */
async function freshSite(): Promise<Site> {
  const dataDir = mkdtempSync(join(tmpdir(), 'subspace-cli-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    SUBSPACE_DATA_DIR: dataDir,
    LOCAL_DOMAIN: 'subspace.test',
    LOCAL_HTTPS: 'false',
    PORT: '0',
    BIND: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  if (serverMode) {
    const database = await createServerDatabase();
    env.DATABASE_URL = database.url;
    Object.assign(env, statementModeEnv());
    env.SECRET_KEY_BASE = randomBytes(32).toString('hex');
    cleanups.push(database.drop);
  }
  if (redisMode) env.REDIS_URL = await freshRedisUrl();
  return {
    env,
    dataDir,
    async cleanup() {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

interface Server {
  url: string;
  process: RunningProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `subspace start` as a child process on a port chosen here (PORT=0 would not say which). */
async function startServer(site: Site): Promise<Server> {
  const port = ownPort();
  const running = runSubspace(['start'], { ...site.env, BIND: ownAddress(), PORT: String(port) });
  const url = `http://${ownAddress()}:${port}`;
  const early = running.exited.then((code) => {
    throw new Error(`subspace start exited (${code}):\n${running.output()}`);
  });
  early.catch(() => {});
  try {
    await Promise.race([waitForHealthy(url, running), early]);
  } catch (error) {
    // not left running: the test runner would wait for it forever
    running.child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    process: running,
    async stop(signal = 'SIGTERM') {
      running.child.kill(signal);
      const code = await Promise.race([running.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
      if (code === 'timeout') {
        running.child.kill('SIGKILL');
        await running.exited;
        assert.fail(`subspace start did not stop on ${signal}:\n${running.output()}`);
      }
    },
  };
}

async function me(server: Server, token: string) {
  return request(server.url, 'GET', '/api/v1/accounts/verify_credentials', { token });
}

/** Signs in through the browser form; 303 when it worked, 401 with the reason otherwise. */
async function signIn(server: Server, email: string, password: string) {
  const browser = new Browser(server.url);
  const page = await browser.get('/auth/sign_in');
  const { fields } = formFields(page.html);
  return browser.post('/auth/sign_in', { ...fields, 'user[email]': email, 'user[password]': password });
}

const socketPath = (site: Site) => join(site.dataDir, 'subspace.sock');
const pidPath = (site: Site) => join(site.dataDir, 'subspace.pid');

describe('subspace admin CLI: bad input', () => {
  let site: Site;
  before(async () => {
    site = await freshSite();
  });
  after(async () => {
    await site.cleanup();
  });

  test('bad arguments print a usage line and exit 2, without opening anything', async () => {
    const cases = [
      ['bogus'],
      ['accounts'],
      ['accounts', 'frobnicate'],
      ['accounts', 'create'],
      ['accounts', 'create', 'zed'],
      ['accounts', 'create', 'zed', '--email'],
      ['accounts', 'create', 'zed', '--email', 'z@example.com', '--role', 'Emperor'],
      ['accounts', 'create', 'zed', '--email', 'z@example.com', '--shiny'],
      ['accounts', 'create', 'zed', 'zod', '--email', 'z@example.com'],
      ['accounts', 'modify', 'zed'],
      ['accounts', 'modify', 'zed', '--disable', '--enable'],
      ['accounts', 'modify', 'zed', '--role', 'Admin', '--remove-role'],
      ['accounts', 'delete'],
      ['accounts', 'approve'],
      ['accounts', 'approve', 'zed', '--all'],
      ['apps', 'create', '--name', 'bot'],
      ['apps', 'create', '--account', 'zed'],
      ['apps', 'create', '--account', 'zed', '--name', 'bot', '--scopes', 'read telepathy'],
      ['settings', 'registrations'],
      ['settings', 'registrations', 'sometimes'],
      ['settings', 'privacy-policy'],
      ['settings', 'privacy-policy', 'policy.md', '--default'],
      ['rules', 'add'],
      ['rules', 'add', 'Be kind', '--priority', 'first'],
      ['rules', 'remove', 'not-an-id'],
    ];
    const results = await runCases(site.env, cases, [['bogus'], ['accounts', 'create', 'zed', '--email', 'z@example.com', '--role', 'Emperor']]);
    results.forEach((result, i) => {
      const what = `subspace ${cases[i]!.join(' ')}: ${result.stderr}`;
      assert.equal(result.code, 2, what);
      assert.match(result.stderr, /^subspace: .+\n/, what);
      assert.match(result.stderr, /Usage:/, what);
      assert.doesNotMatch(result.stderr, /\n\s+at /, what);
      assert.equal(result.stdout, '', what);
    });
    // nothing was opened: no database made, no lock taken
    assert.deepEqual(readdirSync(site.dataDir), []);
  });

  test('--help prints a command’s usage and exits 0', async () => {
    const [top, create] = await Promise.all([subspace(site.env, '--help'), subspace(site.env, 'accounts', 'create', '--help')]);
    assert.equal(top!.code, 0);
    assert.match(top!.stdout, /accounts create USERNAME --email EMAIL/);
    assert.match(top!.stdout, /apps create --account USERNAME --name NAME/);
    assert.match(top!.stdout, /settings registrations open\|approved\|close/);
    assert.equal(create!.code, 0);
    assert.match(create!.stdout, /--role Owner\|Admin\|Moderator/);
  });

  test('bad configuration: `subspace start` exits 1 with one line naming the variable', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'abc' }, 'PORT'],
      [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', DB_SSLMODE: 'bogus', SECRET_KEY_BASE: 'x'.repeat(64) }, 'DB_SSLMODE'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ];
    // five short-lived processes at once (each exits once it read its configuration)
    const [admin, ...results] = await Promise.all([subspace({ ...site.env, PORT: 'abc' }, 'accounts', 'approve', '--all'), ...cases.map(([extra]) => subspace({ ...site.env, ...extra }, 'start'))]);
    for (const [i, [extra, variable]] of cases.entries()) {
      const result = results[i]!;
      const what = `${JSON.stringify(extra)}: ${result.stderr}`;
      assert.equal(result.code, 1, what);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, what);
      assert.match(lines[0]!, new RegExp(`\\b${variable}\\b`), what);
      assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, what);
    }
    // the same for an admin command
    assert.equal(admin!.code, 1);
    assert.equal(admin!.stderr.trimEnd().split('\n').length, 1, admin.stderr);
    assert.match(admin!.stderr, /PORT/);
  });
});

describe('subspace --help, --version and unknown options', () => {
  let site: Site;
  before(async () => {
    site = await freshSite();
  });
  after(async () => {
    await site.cleanup();
  });

  test('every command and sub-command prints its usage for --help and -h, exits 0 and does nothing', async () => {
    const processes = ['start', 'web', 'streaming', 'worker', 'scheduler', 'db', 'secret', 'webpush', 'version'];
    const admin: Record<string, string[]> = {
      accounts: ['create', 'modify', 'delete', 'approve'],
      announcements: ['create', 'list', 'publish', 'unpublish', 'delete'],
      apps: ['create'],
      domains: ['block', 'unblock', 'allow', 'disallow', 'list'],
      emoji: ['import', 'export', 'list', 'modify', 'delete', 'purge'],
      rules: ['add', 'list', 'remove'],
      settings: ['registrations', 'privacy-policy'],
      trends: ['list', 'approve', 'reject', 'enable', 'disable', 'review-required'],
    };
    const commands = [
      ...processes.map((command) => [command]),
      ['db', 'migrate'],
      ['webpush', 'generate-vapid-key'],
      ...Object.entries(admin).flatMap(([command, subs]) => [[command], ...subs.map((sub) => [command, sub])]),
    ];
    // every command with --help; -h too, also after the arguments a command would otherwise act on
    const cases = [
      ...commands.map((words) => [...words, '--help']),
      ...processes.map((command) => [command, '-h']),
      ['worker', '--concurrency', '2', '-h'],
      ['db', 'migrate', '-h'],
      ['accounts', '-h'],
      ['accounts', 'modify', 'zed', '--disable', '-h'],
      ['announcements', 'create', 'Hello', '-h'],
      ['apps', 'create', '--account', 'zed', '-h'],
      ['domains', 'block', 'example.com', '--severity', 'suspend', '-h'],
      ['settings', 'registrations', 'open', '-h'],
      ['trends', 'approve', 'tag', 'cats', '-h'],
    ];
    const results = await runCases(site.env, cases, [
      ['worker', '--concurrency', '2', '-h'],
      ['domains', 'block', 'example.com', '--severity', 'suspend', '-h'],
    ]);
    results.forEach((result, i) => {
      const args = cases[i]!;
      const what = `subspace ${args.join(' ')}: ${result.stdout}${result.stderr}`;
      assert.equal(result.code, 0, what);
      assert.match(result.stdout, /^Usage:\n/, what);
      const words = [args[0]!, ...(args[1] && !args[1].startsWith('-') ? [args[1]] : [])];
      assert.ok(result.stdout.includes(`subspace ${words.join(' ')}`), what);
      assert.equal(result.stderr, '', what);
    });
    // nothing was opened or started: no database, lock, pid file or socket
    assert.deepEqual(readdirSync(site.dataDir), []);
  });

  test('start --help answers at once instead of starting an instance', async () => {
    const result = await subspace({ ...site.env, BIND: ownAddress(), PORT: String(ownPort()) }, 'start', '--help');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /subspace start/);
    assert.deepEqual(readdirSync(site.dataDir), []);
  });

  test('webpush generate-vapid-key prints a new P-256 key pair as Mastodon does, and touches nothing', async () => {
    const [first, second] = await Promise.all([subspace(site.env, 'webpush', 'generate-vapid-key'), subspaceInProcess(site.env, 'webpush', 'generate-vapid-key')]);
    assert.equal(first!.code, 0, first!.stderr);
    const match = /^VAPID_PRIVATE_KEY=([A-Za-z0-9_-]{43})\nVAPID_PUBLIC_KEY=([A-Za-z0-9_-]{87})\n$/.exec(first!.stdout);
    assert.ok(match, first!.stdout);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(match[1]!, 'base64url'));
    assert.equal(ecdh.getPublicKey().toString('base64url'), match[2], "the public key is the private key's");
    assert.notEqual(second!.stdout, first!.stdout);
    assert.deepEqual(readdirSync(site.dataDir), []);
  });

  test('--version, -v and version print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const result of await runCases(site.env, [['--version'], ['-v'], ['version']], [['--version'], ['version']])) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  test('an unknown option or argument is one line and a usage, exit 2, no stack trace, nothing started', async () => {
    const cases = [
      ['start', '--bogus'],
      ['web', 'now'],
      ['streaming', '--port', '3000'],
      ['worker', '--bogus'],
      ['worker', '--queues'],
      ['worker', '--concurrency', 'lots'],
      ['scheduler', '-x'],
      ['db', 'migrate', '--force'],
      ['db', 'rollback'],
      ['secret', '--length', '12'],
      ['webpush'],
      ['webpush', 'rotate'],
      ['webpush', 'generate-vapid-key', '--force'],
      ['version', '--short'],
      ['accounts', 'approve', '--everyone'],
      ['domains', 'list', '--json'],
    ];
    const results = await runCases(site.env, cases, [
      ['start', '--bogus'],
      ['worker', '--concurrency', 'lots'],
    ]);
    results.forEach((result, i) => {
      const what = `subspace ${cases[i]!.join(' ')}: ${result.stderr}`;
      assert.equal(result.code, 2, what);
      assert.match(result.stderr, /^subspace: [^\n]+\nUsage:\n/, what);
      assert.doesNotMatch(result.stderr, /\n\s+at /, what);
      assert.equal(result.stdout, '', what);
    });
    assert.deepEqual(readdirSync(site.dataDir), []);
  });
});

describe('subspace admin CLI: a fresh data dir, then a running instance', () => {
  let site: Site;
  let server: Server | undefined;
  let aliceToken: string;
  let bobPassword: string;
  before(async () => {
    site = await freshSite();
  });
  after(async () => {
    await server?.stop('SIGKILL').catch(() => {});
    await site.cleanup();
  });

  test('accounts create on a fresh data dir prints a generated password', async () => {
    const result = await subspace(site.env, 'accounts', 'create', 'alice', '--email', 'a@example.com', '--confirmed', '--role', 'Admin');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^OK$/m);
    const password = line(result.stdout, 'New password');
    assert.ok(password.length >= 24, password);
    if (!serverMode) {
      assert.ok(existsSync(join(site.dataDir, 'db')), 'the embedded database was made and migrated');
      assert.ok(!existsSync(pidPath(site)), 'the CLI released the data dir');
    }
    // names and addresses are unique
    const again = await subspace(site.env, 'accounts', 'create', 'Alice', '--email', 'other@example.com');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^subspace: .*Username is already taken/);
    assert.equal(again.stderr.trimEnd().split('\n').length, 1, again.stderr);
  });

  test('apps create prints client credentials and an access token', async () => {
    const stdout = await ok(site.env, 'apps', 'create', '--account', 'alice', '--name', 'bot', '--scopes', 'read write', '--website', 'https://bot.example');
    assert.ok(line(stdout, 'Client ID'));
    assert.ok(line(stdout, 'Client secret'));
    aliceToken = line(stdout, 'Access token');
    const unknown = await subspace(site.env, 'apps', 'create', '--account', 'nobody', '--name', 'bot');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'subspace: no local account named "nobody"\n');
  });

  test('the token works against the running instance: verify_credentials is alice, an Admin', async () => {
    server = await startServer(site);
    const response = await me(server, aliceToken);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.username, 'alice');
    assert.equal(response.body.role.name, 'Admin');
    const signedIn = await signIn(server, 'a@example.com', 'wrong password');
    assert.equal(signedIn.status, 401);
  });

  test('while it runs, commands succeed (embedded: through the control socket) and the new user can sign in', async () => {
    if (!serverMode) {
      const socket = statSync(socketPath(site));
      assert.ok(socket.isSocket());
      assert.equal(socket.mode & 0o777, 0o600);
    }
    const stdout = await ok(site.env, 'accounts', 'create', 'bob', '--email', 'b@example.com', '--confirmed');
    bobPassword = line(stdout, 'New password');
    const signedIn = await signIn(server!, 'b@example.com', bobPassword);
    assert.equal(signedIn.status, 303, signedIn.html);
    const token = line(await ok(site.env, 'apps', 'create', '--account', 'bob', '--name', 'Bob’s bot', '--scopes', 'read'), 'Access token');
    const response = await me(server!, token);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.username, 'bob');
    assert.equal(response.body.role.name, '');
  });

  test('emoji import takes a path relative to where the CLI runs, also when the running instance imports it', async () => {
    // the CLI runs in the data dir, the instance elsewhere: the path is handed over made absolute
    mkdirSync(join(site.dataDir, 'emoji-pack'));
    const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#ff8800' } })
      .png()
      .toBuffer();
    writeFileSync(join(site.dataDir, 'emoji-pack', 'orange_dot.png'), png);
    assert.equal(await ok(site.env, 'emoji', 'import', 'emoji-pack', '--category', 'Dots'), 'Imported 1, skipped 0, failed to import 0\n');
    const listed = await request(server!.url, 'GET', '/api/v1/custom_emojis');
    assert.deepEqual(
      listed.body.map((emoji: { shortcode: string; category: string }) => [emoji.shortcode, emoji.category]),
      [['orange_dot', 'Dots']],
    );
    const image = await fetch(new URL(new URL(listed.body[0].url).pathname, server!.url));
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), png);
  });

  test('accounts modify: confirm, role, disable/enable, e-mail, password reset', async () => {
    const created = await subspace(site.env, 'accounts', 'create', 'carol', '--email', 'c@example.com');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /must confirm/);
    const password = line(created.stdout, 'New password');
    const unconfirmed = await signIn(server!, 'c@example.com', password);
    assert.equal(unconfirmed.status, 401);
    assert.match(unconfirmed.html, /confirm your email/);

    assert.equal(await ok(site.env, 'accounts', 'modify', 'carol', '--confirm'), 'OK\n');
    assert.equal((await signIn(server!, 'c@example.com', password)).status, 303);

    const token = line(await ok(site.env, 'apps', 'create', '--account', 'carol', '--name', 'tool', '--scopes', 'read'), 'Access token');
    await ok(site.env, 'accounts', 'modify', 'carol', '--role', 'moderator');
    assert.equal((await me(server!, token)).body.role.name, 'Moderator');
    await ok(site.env, 'accounts', 'modify', 'carol', '--remove-role');
    assert.equal((await me(server!, token)).body.role.name, '');

    await ok(site.env, 'accounts', 'modify', 'carol', '--disable');
    assert.equal((await me(server!, token)).status, 403);
    assert.equal((await signIn(server!, 'c@example.com', password)).status, 401);
    await ok(site.env, 'accounts', 'modify', 'carol', '--enable');
    assert.equal((await me(server!, token)).status, 200);

    await ok(site.env, 'accounts', 'modify', 'carol', '--email', 'carol@example.com');
    assert.equal((await signIn(server!, 'c@example.com', password)).status, 401);
    assert.equal((await signIn(server!, 'carol@example.com', password)).status, 303);
    const taken = await subspace(site.env, 'accounts', 'modify', 'carol', '--email', 'b@example.com');
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /E-mail is already taken/);

    const reset = line(await ok(site.env, 'accounts', 'modify', 'carol', '--reset-password'), 'New password');
    assert.notEqual(reset, password);
    assert.equal((await signIn(server!, 'carol@example.com', password)).status, 401);
    assert.equal((await signIn(server!, 'carol@example.com', reset)).status, 303);

    // a member who lost their authenticator: two-factor sign-in turned on through the pages, off with --disable-2fa
    const member = new Browser(server!.url);
    const signInPage = await member.get('/auth/sign_in');
    assert.equal((await member.post('/auth/sign_in', { ...formFields(signInPage.html).fields, 'user[email]': 'carol@example.com', 'user[password]': reset })).status, 303);
    const setup = await member.get('/settings/otp_authentication');
    const secret = /id="otp_secret">([A-Z2-7]+)</.exec(setup.html)![1]!;
    const enabled = await member.post('/settings/otp_authentication', {
      ...formFields(setup.html).fields,
      'form_two_factor_confirmation[otp_attempt]': await generate({ secret }),
      'form_two_factor_confirmation[current_password]': reset,
    });
    assert.match(enabled.html, /Two-factor authentication is now on/);
    assert.equal((await signIn(server!, 'carol@example.com', reset)).status, 200, 'the password alone is not enough');
    assert.equal(await ok(site.env, 'accounts', 'modify', 'carol', '--disable-2fa'), 'OK\n');
    assert.equal((await signIn(server!, 'carol@example.com', reset)).status, 303, 'the password is enough again');

    const unknown = await subspace(site.env, 'accounts', 'modify', 'nobody', '--confirm');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'subspace: no local account named "nobody"\n');
  });

  test('settings registrations changes what /api/v2/instance says', async () => {
    const registrations = async () => {
      const response = await request(server!.url, 'GET', '/api/v2/instance');
      assert.equal(response.status, 200, response.text);
      return response.body.registrations as { enabled: boolean; approval_required: boolean };
    };
    assert.equal((await registrations()).enabled, false);
    assert.equal(await ok(site.env, 'settings', 'registrations', 'open'), 'OK\n');
    const open = await registrations();
    assert.equal(open.enabled, true);
    assert.equal(open.approval_required, false);
    await ok(site.env, 'settings', 'registrations', 'approved', '--require-reason');
    const approved = await registrations();
    assert.equal(approved.enabled, true);
    assert.equal(approved.approval_required, true);
    await ok(site.env, 'settings', 'registrations', 'close');
    assert.equal((await registrations()).enabled, false);
  });

  test('accounts approve: one user, or every pending one', async () => {
    await ok(site.env, 'settings', 'registrations', 'approved');
    const created = await subspace(site.env, 'accounts', 'create', 'dan', '--email', 'd@example.com', '--confirmed');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /waits for approval/);
    const password = line(created.stdout, 'New password');
    const pending = await signIn(server!, 'd@example.com', password);
    assert.equal(pending.status, 401);
    assert.match(pending.html, /pending review/);
    assert.equal(await ok(site.env, 'accounts', 'approve', 'dan'), 'OK\n');
    assert.equal((await signIn(server!, 'd@example.com', password)).status, 303);

    // --approve skips the wait
    const erin = line(await ok(site.env, 'accounts', 'create', 'erin', '--email', 'e@example.com', '--confirmed', '--approve'), 'New password');
    assert.equal((await signIn(server!, 'e@example.com', erin)).status, 303);

    const frank = line(await ok(site.env, 'accounts', 'create', 'frank', '--email', 'f@example.com', '--confirmed'), 'New password');
    const gina = line(await ok(site.env, 'accounts', 'create', 'gina', '--email', 'g@example.com', '--confirmed'), 'New password');
    assert.equal((await signIn(server!, 'f@example.com', frank)).status, 401);
    assert.equal(await ok(site.env, 'accounts', 'approve', '--all'), 'OK, approved 2 accounts\n');
    assert.equal((await signIn(server!, 'f@example.com', frank)).status, 303);
    assert.equal((await signIn(server!, 'g@example.com', gina)).status, 303);
    await ok(site.env, 'settings', 'registrations', 'close');
  });

  test('accounts delete removes the account, its user and its tokens', async () => {
    const token = line(await ok(site.env, 'apps', 'create', '--account', 'bob', '--name', 'doomed'), 'Access token');
    assert.equal((await me(server!, token)).status, 200);
    assert.equal(await ok(site.env, 'accounts', 'delete', 'bob'), 'OK\n');
    assert.equal((await me(server!, token)).status, 401);
    assert.equal((await signIn(server!, 'b@example.com', bobPassword)).status, 401);
    const lookup = await request(server!.url, 'GET', '/api/v1/accounts/lookup?acct=bob');
    assert.equal(lookup.status, 404);
    const again = await subspace(site.env, 'accounts', 'delete', 'bob');
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'subspace: no local account named "bob"\n');
    // the name and address are free again
    await ok(site.env, 'accounts', 'create', 'bob', '--email', 'b@example.com', '--confirmed');
  });

  test('after the instance stops, the CLI opens the data dir itself again', async () => {
    await server!.stop();
    server = undefined;
    if (!serverMode) {
      assert.ok(!existsSync(socketPath(site)), 'the socket was removed');
      assert.ok(!existsSync(pidPath(site)), 'the lock was released');
    }
    assert.equal(await ok(site.env, 'accounts', 'approve', '--all'), 'OK, approved 0 accounts\n');
    await ok(site.env, 'accounts', 'modify', 'alice', '--role', 'Owner');
  });

  test('a killed instance leaves a stale socket and pid file that block neither the CLI nor a restart', { skip: serverMode ? 'embedded mode only' : false }, async () => {
    let killed: Server | undefined = await startServer(site);
    const pid = killed.process.child.pid!;
    await killed.stop('SIGKILL');
    killed = undefined;
    assert.ok(existsSync(socketPath(site)), 'SIGKILL leaves the socket file');
    assert.ok(existsSync(pidPath(site)), 'SIGKILL leaves the pid file');
    await waitFor(`process ${pid} to be gone`, async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    // the CLI finds nobody answering and opens the database itself
    await ok(site.env, 'accounts', 'modify', 'alice', '--role', 'Admin');
    // and a new instance starts over the stale files, and answers the CLI
    server = await startServer(site);
    const token = line(await ok(site.env, 'apps', 'create', '--account', 'alice', '--name', 'after restart', '--scopes', 'read'), 'Access token');
    const response = await me(server, token);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.role.name, 'Admin');
    await server.stop();
    server = undefined;
  });
});
