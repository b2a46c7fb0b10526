/**
 * Media uploads: how many uploads per second the instance takes and processes, and the memory it
 * takes doing so, for a 12-megapixel JPEG (sharp) and 30-second 720p videos (ffmpeg): one already
 * H.264/AAC (copied into the MP4 as it is) and one in MPEG-4 part 2 with MP3 sound (transcoded).
 *
 * The server runs as child processes, so that their memory is their own:
 *  - embedded (default): `subspace start` on a throwaway data dir (accounts seeded with SQL first);
 *  - server mode, with DATABASE_URL and REDIS_URL set (an empty database, migrated here):
 *    `subspace web` and `subspace worker --queues default`, on one throwaway data dir (local storage).
 * Every case is measured through `POST /api/v1/media` (processed within the request) and
 * `POST /api/v2/media` (videos answered 202, then polled with `GET /api/v1/media/:id` until 200).
 * "Processed" counts an upload once its styles are made. Each case runs on freshly started server
 * processes: their RSS idle, then the highest VmRSS sampled every 50 ms from /proc during the case
 * (a warm-up upload and the measured ones); ffmpeg's and ffprobe's own processes apart, their peak
 * (summed when several run at once) shown too.
 *
 * A bare node:http server that reads each upload and answers at once shows what the transfer alone
 * costs; the ratio column is Subspace's rate over it.
 *
 *   node bench/media-uploads.ts [--jpegs 20] [--videos 3] [--connections 2]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { ffmpegBinary } from '../src/services/media/ffmpeg.ts';
import { printTable } from './lib/load.ts';
import { killChildrenOnSignal, ownPort, ServerProcess, stopAll, vmRss as rssOf } from './lib/server-process.ts';

const vmRss = (pid: number) => rssOf(pid) || 0;

const USAGE = `Usage: node bench/media-uploads.ts [--jpegs N] [--videos N] [--connections N]
  --jpegs         12 MP JPEG uploads per API version (default 20)
  --videos        uploads of each 30 s video per API version (default 3)
  --connections   uploads in flight at once (default 2)

Embedded by default; with DATABASE_URL and REDIS_URL set (an empty database), \`subspace web\` and
\`subspace worker\` children. SUBSPACE_MEDIA_TRANSCODES is passed on to them (default 1).`;

const { values } = parseArgs({ options: { jpegs: { type: 'string' }, videos: { type: 'string' }, connections: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const whole = (value: string | undefined, name: string, fallback: number) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} takes a whole number of at least 1`);
  return Number(value);
};
const jpegCount = whole(values.jpegs, 'jpegs', 20);
const videoCount = whole(values.videos, 'videos', 3);
const connections = whole(values.connections, 'connections', 2);
const serverMode = !!process.env.DATABASE_URL;
if (serverMode && !process.env.REDIS_URL) throw new Error('server mode needs REDIS_URL as well as DATABASE_URL');

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// fixtures

interface Fixture {
  name: string;
  file: string;
  type: string;
  bytes: Buffer;
  count: number;
}

async function makeFixtures(dir: string): Promise<Fixture[]> {
  const ffmpeg = ffmpegBinary(loadConfig({ SUBSPACE_DATA_DIR: dir, SECRET_KEY_BASE: 'x'.repeat(64) }));
  const make = (args: string[]) => run(ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 600_000 });
  const picture = ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=30'];
  const sound = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=30'];
  console.log('making the fixtures…');
  await Promise.all([
    // a camera-like 12 MP photo: a busy picture with sensor-like noise
    make(['-f', 'lavfi', '-i', 'testsrc2=size=4000x3000', '-vf', 'noise=alls=12:allf=t', '-frames:v', '1', '-q:v', '3', join(dir, 'photo.jpg')]),
    make([...picture, ...sound, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', '2500k', '-c:a', 'aac', '-shortest', join(dir, 'h264.mp4')]),
    make([...picture, ...sound, '-c:v', 'mpeg4', '-q:v', '4', '-c:a', 'libmp3lame', '-shortest', join(dir, 'mpeg4.mp4')]),
  ]);
  const read = (name: string) => readFileSync(join(dir, name));
  return [
    { name: '12 MP JPEG', file: 'photo.jpg', type: 'image/jpeg', bytes: read('photo.jpg'), count: jpegCount },
    { name: '30 s 720p H.264/AAC (copied)', file: 'h264.mp4', type: 'video/mp4', bytes: read('h264.mp4'), count: videoCount },
    { name: '30 s 720p MPEG-4/MP3 (transcoded)', file: 'mpeg4.mp4', type: 'video/mp4', bytes: read('mpeg4.mp4'), count: videoCount },
  ];
}

// ---------------------------------------------------------------------------------------------
// the server's processes and their memory

/**
 * A process's ffmpeg and ffprobe children, from /proc. A child caught between fork and exec is still
 * a copy of the server (its VmRSS counting the pages it shares): only the tools are counted.
 */
function toolsOf(pid: number): number[] {
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return children.filter((child) => {
      try {
        return /^ff(mpeg|probe)$/.test(readFileSync(`/proc/${child}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

class Sampler {
  peak = new Map<number, number>();
  toolPeak = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #pids: number[];

  constructor(pids: number[]) {
    this.#pids = pids;
  }

  start() {
    this.peak = new Map(this.#pids.map((pid) => [pid, vmRss(pid)]));
    this.toolPeak = 0;
    this.#timer = setInterval(() => {
      for (const pid of this.#pids) {
        this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, vmRss(pid)));
        this.toolPeak = Math.max(
          this.toolPeak,
          toolsOf(pid).reduce((sum, child) => sum + vmRss(child), 0),
        );
      }
    }, 50);
  }

  stop() {
    clearInterval(this.#timer);
  }
}

// ---------------------------------------------------------------------------------------------
// uploading

const ACCOUNTS = 200;
const tokenPrefix = `mb-${randomBytes(9).toString('base64url')}-`;
let nextAccount = 0;
/** Round-robin over seeded accounts: each may upload 30 files in 30 minutes. */
const nextToken = () => `${tokenPrefix}${nextAccount++ % ACCOUNTS}`;

function form(fixture: Fixture) {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(fixture.bytes)], { type: fixture.type }), fixture.file);
  return body;
}

/** Uploads and, through v2, waits for processing; resolves when the attachment is ready. */
async function uploadOne(url: string, fixture: Fixture, version: 'v1' | 'v2'): Promise<void> {
  const token = nextToken();
  const headers = { authorization: `Bearer ${token}` };
  const response = await fetch(`${url}/api/${version}/media`, { method: 'POST', headers, body: form(fixture) });
  const body = (await response.json()) as { id: string; error?: string };
  if (response.status === 200) return;
  if (response.status !== 202) throw new Error(`${fixture.name} via ${version}: ${response.status} ${JSON.stringify(body)}`);
  for (;;) {
    await sleep(200);
    const shown = await fetch(`${url}/api/v1/media/${body.id}`, { headers });
    await shown.arrayBuffer();
    if (shown.status === 200) return;
    if (shown.status !== 206) throw new Error(`${fixture.name} via ${version}: processing answered ${shown.status}`);
  }
}

/** Runs `count` uploads, `connections` at a time; resolves with the seconds they took. */
async function uploadMany(count: number, upload: () => Promise<void>): Promise<number> {
  const started = performance.now();
  let left = count;
  const loop = async () => {
    while (left > 0) {
      left--;
      await upload();
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, count) }, loop));
  return (performance.now() - started) / 1000;
}

/** The transfer alone: a bare node:http server that reads each upload and answers. */
async function bareRate(fixture: Fixture): Promise<number> {
  const server = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const seconds = await uploadMany(fixture.count * 5, async () => {
    const response = await fetch(`${url}/api/v2/media`, { method: 'POST', body: form(fixture) });
    await response.arrayBuffer();
  });
  server.close();
  return (fixture.count * 5) / seconds;
}

// ---------------------------------------------------------------------------------------------

async function seed(config: ReturnType<typeof loadConfig>) {
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const base = baseUrl(config);
    await database.db.execute(sql`
      INSERT INTO accounts (username, uri, url)
      SELECT 'mb' || g, ${base} || '/users/mb' || g, ${base} || '/@mb' || g FROM generate_series(0, ${ACCOUNTS - 1}) g`);
    await database.db.execute(sql`
      INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at)
      SELECT id, username || '@bench.test', now(), now() FROM accounts WHERE username LIKE 'mb%'`);
    // tokens are stored as SHA-256 digests (src/lib/crypto.ts digest)
    await database.db.execute(sql`
      INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
      SELECT encode(sha256(convert_to(${tokenPrefix} || substr(a.username, 3), 'UTF8')), 'hex'), u.id, 'read write'
      FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.username LIKE 'mb%'`);
  } finally {
    await database.close();
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Starts the server's processes afresh (so that one case's memory does not carry into the next) and waits until they serve. */
async function startServers(env: Record<string, string | undefined>, port: number): Promise<ServerProcess[]> {
  const processes = serverMode
    ? [new ServerProcess('web', ['web'], env, port), new ServerProcess('worker', ['worker', '--queues', 'default', '--concurrency', '5'], env)]
    : [new ServerProcess('start', ['start'], env, port)];
  await processes[0]!.waitUntilServing();
  await sleep(2000);
  return processes;
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'subspace-bench-media-'));
  const dataDir = join(scratch, 'data');
  killChildrenOnSignal(() => rmSync(scratch, { recursive: true, force: true }));
  let processes: ServerProcess[] = [];
  try {
    const fixtures = await makeFixtures(scratch);
    const port = ownPort();
    const env: Record<string, string | undefined> = {
      ...process.env,
      LOCAL_DOMAIN: 'bench.test',
      LOCAL_HTTPS: 'false',
      LOG_LEVEL: 'warn',
      SUBSPACE_DATA_DIR: dataDir,
      ...(serverMode && !process.env.SECRET_KEY_BASE ? { SECRET_KEY_BASE: randomBytes(64).toString('hex') } : {}),
    };
    await seed(loadConfig(env));
    const names = serverMode ? ['web', 'worker'] : ['start'];
    console.log(
      `${serverMode ? 'server mode' : 'embedded'}: ${connections} uploads in flight, SUBSPACE_MEDIA_TRANSCODES=${process.env.SUBSPACE_MEDIA_TRANSCODES ?? 1}, fresh server processes for each case\n`,
    );
    const rows: string[][] = [['upload', 'size', 'API', 'uploads', 'processed/s', 'bare http/s', 'ratio', ...names.flatMap((name) => [`RSS ${name} idle`, 'peak']), 'peak ffmpeg RSS']];
    for (const fixture of fixtures) {
      const bare = await bareRate(fixture);
      for (const version of ['v1', 'v2'] as const) {
        processes = await startServers(env, port);
        const url = processes[0]!.url!;
        const idle = processes.map((server) => vmRss(server.pid));
        const sampler = new Sampler(processes.map((server) => server.pid));
        sampler.start();
        await uploadOne(url, fixture, version); // warm-up
        const started = performance.now();
        await uploadMany(fixture.count, () => uploadOne(url, fixture, version));
        const rate = fixture.count / ((performance.now() - started) / 1000);
        sampler.stop();
        rows.push([
          fixture.name,
          mb(fixture.bytes.length),
          version,
          String(fixture.count),
          rate.toFixed(2),
          bare.toFixed(1),
          `${((rate / bare) * 100).toFixed(1)}%`,
          ...processes.flatMap((server, index) => [mb(idle[index]!), mb(sampler.peak.get(server.pid) ?? 0)]),
          mb(sampler.toolPeak),
        ]);
        console.log(`${fixture.name} via ${version}: ${rate.toFixed(2)} processed/s`);
        await stopAll(processes);
      }
    }
    console.log('');
    printTable(rows);
  } catch (error) {
    for (const server of processes) console.error(`--- ${server.name}'s last output:\n${server.output().slice(-6000)}`);
    throw error;
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
