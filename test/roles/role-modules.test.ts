import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, NODE, runSubspace, waitFor, waitForHealthy } from '../helpers/process.ts';
import { ownAddress } from '../helpers/loopback.ts';

/**
 * Each process loads only what its role uses, recorded by test/helpers/module-recorder.ts: the
 * streaming role serves no federation and processes no media, and the CLI answers help and runs
 * admin commands without the web tier.
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
      SUBSPACE_DATA_DIR: dir,
      NODE_ENV: 'test',
      PORT: '0',
      BIND: ownAddress(),
      LOCAL_DOMAIN: 'roles.test',
      LOCAL_HTTPS: 'false',
      LOG_LEVEL: 'info',
    },
  };
}

const loadedModules = (record: string) => readFileSync(record, 'utf8').split('\n');

/** The modules a role must not load, where they come from. */
const FEDERATION_AND_MEDIA = [/\/src\/federation\//, /\/src\/services\/media/, /\/node_modules\/@fedify\//, /\/node_modules\/sharp\//, /ffmpeg|ffprobe/];
const WEB_TIER = [/\/src\/http\/app\.ts$/, /\/src\/http\/api\//, ...FEDERATION_AND_MEDIA];

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
    assertNone(modules, WEB_TIER, 'the streaming role');
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
