/**
 * The web client's weight and speed: the first load's JavaScript and CSS (raw and gzipped), and the
 * time from opening /home, signed in, to a rendered home timeline of 20 statuses in Chromium (a new
 * browser context each run: nothing cached), median of the runs. The server is `subspace start` on a
 * throwaway data dir, a child process; the member's token is put in the page's localStorage as the
 * client keeps it after signing in.
 *
 *   node bench/client.ts [--runs 7]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildClient, CLIENT_BUILD_DIR, clientBuildIsStale } from '../src/roles/client-build.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import { runSubspace } from '../test/helpers/process.ts';
import { killChildrenOnSignal, ownPort, ServerProcess, stopAll } from './lib/server-process.ts';
import { ownAddress } from '../test/helpers/loopback.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const STATUSES = 25;

function firstLoadSizes() {
  const html = readFileSync(join(CLIENT_BUILD_DIR, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/web\/(assets\/[^"]+\.(js|css))"/g)].map((m) => ({ path: m[1]!, kind: m[2]! }));
  const sizes = { js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } };
  for (const file of files) {
    const body = readFileSync(join(CLIENT_BUILD_DIR, file.path));
    const size = sizes[file.kind as 'js' | 'css'];
    size.raw += body.length;
    size.gzip += gzipSync(body).length;
  }
  return { files: files.map((f) => f.path), sizes };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

async function main() {
  killChildrenOnSignal();
  if (clientBuildIsStale()) await buildClient();
  const { files, sizes } = firstLoadSizes();
  console.log(`first load: ${files.join(', ')}`);
  console.log(`JavaScript: ${kB(sizes.js.raw)} raw, ${kB(sizes.js.gzip)} gzipped`);
  console.log(`CSS:        ${kB(sizes.css.raw)} raw, ${kB(sizes.css.gzip)} gzipped`);

  const dataDir = mkdtempSync(join(tmpdir(), 'subspace-bench-client-'));
  const port = ownPort();
  const env = {
    PATH: process.env.PATH,
    SUBSPACE_DATA_DIR: dataDir,
    LOCAL_DOMAIN: `${ownAddress()}:${port}`,
    LOCAL_HTTPS: 'false',
    LOG_LEVEL: 'warn',
  };
  const server = new ServerProcess('start', ['start'], env, port);
  const browser = await launchChromium();
  try {
    await server.waitUntilServing();
    const cliEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    const created = runSubspace(['accounts', 'create', 'reader', '--email', 'reader@example.com', '--confirmed'], cliEnv);
    await created.exited;
    const app = runSubspace(['apps', 'create', '--account', 'reader', '--name', 'bench', '--scopes', 'read write'], cliEnv);
    await app.exited;
    const token = /Access token: (\S+)/.exec(app.output())?.[1];
    if (!token) throw new Error(`no token:\n${created.output()}\n${app.output()}`);
    for (let i = 0; i < STATUSES; i++) {
      const response = await fetch(`${server.url}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: `Status number ${i} with a #hashtag and a link https://example.com/${i}`, visibility: 'public' }),
      });
      if (response.status !== 200) throw new Error(`posting answered ${response.status}`);
    }
    await server.settle();

    const times: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const context = await browser.newContext();
      await context.addInitScript((value) => localStorage.setItem('subspace.token', value), token);
      const page = await context.newPage();
      await page.goto(`${server.url}/home`, { waitUntil: 'commit' });
      await page.waitForFunction(() => document.querySelectorAll('article.status').length >= 20, null, { polling: 'raf', timeout: 60_000 });
      // from the navigation's start to the frame showing 20 statuses
      const elapsed = await page.evaluate(() => performance.now());
      await context.close();
      // the first run warms the server's caches (and Chromium's compiler): not counted
      if (run > 0) times.push(elapsed);
    }
    console.log(
      `/home to a rendered home timeline (20 statuses, cold browser cache): median ${median(times).toFixed(0)} ms of ${runs} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
    );
  } finally {
    await browser.close();
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
