import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, NODE, roleProcessEnv, runSubspace, waitFor, waitForHealthy } from '../helpers/process.ts';

/**
 * Each process loads only what its role uses, recorded by test/helpers/module-recorder.ts: the
 * streaming role serves no federation and processes no media; a worker loads a job's handler when
 * such a job runs, and the web role image processing with the first image; the CLI answers help
 * and runs admin commands without the web tier.
 */

const RECORDER = new URL('../helpers/module-recorder.ts', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function environment(): { env: Record<string, string>; record: string } {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-role-modules-'));
  dirs.push(dir);
  const record = join(dir, 'modules.txt');
  return {
    record,
    env: {
      NODE_OPTIONS: `--import=${RECORDER}`,
      SUBSPACE_MODULE_RECORD: record,
      ...roleProcessEnv(dir),
    },
  };
}

const loadedModules = (record: string) => readFileSync(record, 'utf8').split('\n');

/** The modules a role must not load, where they come from. */
const MEDIA_LIBRARIES = [/\/node_modules\/(sharp|@img|@ffmpeg-installer)\//];
const FEDERATION = [/\/src\/federation\//, /\/node_modules\/@fedify\//];
const FEDERATION_AND_MEDIA = [...FEDERATION, /\/src\/services\/media/, /ffmpeg|ffprobe/, ...MEDIA_LIBRARIES];
/** Fastify's schema compilers: no route declares a schema */
const SCHEMA_COMPILERS = [/\/node_modules\/(ajv|@fastify\/ajv-compiler)\//];
const WEB_TIER = [/\/src\/http\/app\.ts$/, /\/src\/http\/api\//, ...FEDERATION_AND_MEDIA];
/**
 * Node's fetch client (undici, ~12 MB of memory): loaded by the first outbound request, or by an
 * `import … from 'node:http'` in an ES module, whose namespace reads node:http's lazy WebSocket
 * (src/lib/node-http.ts takes node:http's functions without it)
 */
const FETCH_CLIENT = [/^node-internal:internal\/deps\/undici\//];
/** the admin commands and their progress bars: an instance loads them with the first command through its control socket */
const ADMIN_COMMANDS = [/\/src\/cli\/(admin|progress)\.ts$/, /\/node_modules\/cli-progress\//];

function assertNone(modules: string[], forbidden: RegExp[], what: string) {
  const found = modules.filter((url) => forbidden.some((pattern) => pattern.test(url)));
  assert.deepEqual(found, [], `${what} loaded modules it does not use`);
}

function run(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

describe('modules loaded by each role', () => {
  test('the streaming role loads no federation, media or web route code', async () => {
    const { env, record } = environment();
    const streaming = runSubspace(['streaming'], env);
    try {
      const url = await waitFor(`the streaming role to listen\n${streaming.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(streaming.output())?.[1]);
      await waitForHealthy(url, streaming);
      const health = await fetch(`${url}/api/v1/streaming/health`);
      assert.equal(health.status, 200);
    } finally {
      streaming.child.kill('SIGINT');
      await streaming.exited;
    }
    const modules = loadedModules(record);
    // the recorder saw the role start
    assert.ok(modules.some((url) => url.endsWith('/src/streaming/hub.ts')));
    assertNone(modules, [...WEB_TIER, ...SCHEMA_COMPILERS, ...FETCH_CLIENT], 'the streaming role');
  });

  test('an idle worker loads no job handler, federation, media or web code', async () => {
    const { env, record } = environment();
    const worker = runSubspace(['worker'], env);
    try {
      await waitFor(`the worker to start\n${worker.output()}`, async () => /working queues/.test(worker.output()));
    } finally {
      worker.child.kill('SIGINT');
      await worker.exited;
    }
    const modules = loadedModules(record);
    assert.ok(modules.some((url) => url.endsWith('/src/jobs/handlers.ts')));
    // its media working directories are cleared at start (temp-dir.ts, a few file-system calls)
    const handlerCode = [/\/src\/jobs\/(default|scheduler|mailers|pull)\//, /\/src\/services\/media\/(?!temp-dir\.ts$)/, /ffmpeg|ffprobe/];
    assertNone(modules, [/\/src\/http\//, /\/node_modules\/fastify\//, ...FEDERATION, ...MEDIA_LIBRARIES, ...handlerCode, ...FETCH_CLIENT], 'an idle worker');
  });

  test('the web role loads no image processing until an image comes, no federation code until a federation request', async () => {
    const { env, record } = environment();
    const web = runSubspace(['web'], env);
    try {
      const url = await waitFor(`the web role to listen\n${web.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(web.output())?.[1]);
      await waitForHealthy(url, web);
      const instance = await fetch(`${url}/api/v1/instance`);
      assert.equal(instance.status, 200);
    } finally {
      web.child.kill('SIGINT');
      await web.exited;
    }
    const modules = loadedModules(record);
    assert.ok(modules.some((url) => url.endsWith('/src/http/app.ts')));
    // the discovery documents' pure helpers excepted
    const federationCode = [/\/src\/federation\/(?!nodeinfo\.ts$|signature-strength\.ts$)/, /\/node_modules\/@fedify\//];
    // without REDIS_URL no Redis client; outbound fetches' HTTP client with the first one
    const clients = [/\/node_modules\/(ioredis|bullmq|undici)\//];
    assertNone(modules, [...MEDIA_LIBRARIES, ...federationCode, ...clients, ...SCHEMA_COMPILERS, ...FETCH_CLIENT], 'the web role');
  });

  test('an idle embedded instance loads no admin command, federation, media or fetch client code', async () => {
    const { env, record } = environment();
    const instance = runSubspace(['start'], env);
    try {
      const url = await waitFor(`the instance to listen\n${instance.output()}`, async () => /listening on (http:\/\/\S+?)\)/.exec(instance.output())?.[1], 60_000);
      await waitForHealthy(url, instance);
      const home = await fetch(`${url}/api/v1/timelines/public`);
      assert.equal(home.status, 200);
    } finally {
      instance.child.kill('SIGINT');
      await instance.exited;
    }
    const modules = loadedModules(record);
    // the recorder saw the instance start, with its control socket
    assert.ok(modules.some((url) => url.endsWith('/src/roles/control-socket.ts')));
    const federationCode = [/\/src\/federation\/(?!nodeinfo\.ts$|signature-strength\.ts$)/, /\/node_modules\/@fedify\//];
    assertNone(modules, [...ADMIN_COMMANDS, ...federationCode, ...MEDIA_LIBRARIES, ...SCHEMA_COMPILERS, ...FETCH_CLIENT], 'an idle embedded instance');
  });

  test('`subspace --help` loads neither the database nor the server; an admin command loads no web tier', async () => {
    const help = environment();
    assert.equal(await run(['--help'], help.env), 0);
    const helpModules = loadedModules(help.record);
    assertNone(helpModules, [/\/node_modules\/(drizzle-orm|@electric-sql|fastify|pg)\//, /\/src\/(db|services|http)\//], '`subspace --help`');

    const create = environment();
    assert.equal(await run(['accounts', 'create', 'alice', '--email', 'alice@roles.test'], create.env), 0);
    const createModules = loadedModules(create.record);
    assert.ok(createModules.some((url) => url.endsWith('/src/services/accounts/create-account.ts')));
    assertNone(createModules, [...WEB_TIER, /\/node_modules\/fastify\//], '`subspace accounts create`');
  });
});
