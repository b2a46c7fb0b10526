import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '../../src/backends/queue/index.ts';
import { runVacuum } from '../../src/jobs/scheduler/vacuum-scheduler.ts';
import { jobRunner } from '../../src/jobs/handlers.ts';
import { ffmpegBinary, withTranscodeSlot } from '../../src/services/media/ffmpeg.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { makeMediaFixtures, type MediaFixtures } from '../helpers/media-fixtures.ts';
import { until } from '../helpers/until.ts';
import { observeSlotWaits, restoreSlotWaits } from '../helpers/transcode-slot-waits.ts';

/*
 * The process's transcode slots (SUBSPACE_MEDIA_TRANSCODES) seen from a v2 upload: its
 * PostProcessMediaWorker job waits a while for one, then goes back to the queue rather than holding
 * a worker thread; and working directories a killed transcode left behind are removed.
 */

/** The pid of a process that has ended (a transcode killed with its worker). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A working directory as a media job makes it, with a partial output inside, for the process `pid`. */
function leftWorkingDir(pid: number): string {
  const dir = mkdtempSync(join(tmpdir(), `subspace-media-${pid}-`));
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'original.mp4'), Buffer.alloc(1024));
  return dir;
}

describe('transcode slots and working directories', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let media: MediaFixtures;
  let worker: Worker | undefined;
  const abandonedBeforeStart: string[] = [];

  before(async () => {
    abandonedBeforeStart.push(leftWorkingDir(await deadPid()));
    // a worker role on another queue: its start cleans up; the test's own worker takes the default queue
    instance = await startInstance({ roles: { web: true, worker: { queues: ['pull'], concurrency: 1 } } });
    alice = await instance.createUser('alice');
    media = await makeMediaFixtures(ffmpegBinary(instance.config));
  });
  after(async () => {
    restoreSlotWaits();
    await worker?.close();
    await instance?.close();
    for (const dir of abandonedBeforeStart) rmSync(dir, { recursive: true, force: true });
  });

  async function uploadV2(bytes: Buffer) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }), 'clip.mp4');
    const response = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const body = await response.json();
    assert.equal(response.status, 202, JSON.stringify(body));
    return body as { id: string };
  }
  const statusOf = async (id: string) => (await instance.request('GET', `/api/v1/media/${id}`, { token: alice.token })).status;
  /** takes one of the process's transcode slots (there is one) until `release` is called */
  function holdSlot() {
    let release!: () => void;
    const held = withTranscodeSlot(instance.config, () => new Promise<void>((resolve) => (release = resolve)));
    return async () => {
      release();
      await held;
    };
  }
  const startWorker = () => {
    worker ??= instance.ctx.queue.work(['default'], jobRunner(instance.ctx), { concurrency: 1 });
  };

  it('a job waits for a slot, and is processed as soon as one is freed within the wait', async () => {
    const waits = observeSlotWaits({ waitMs: 8_000, retryDelayMs: 120_000 });
    const release = holdSlot();
    const uploaded = await uploadV2(media.mp4);
    startWorker();
    await until(async () => waits.asked > 0, 'the job to wait for a slot');
    assert.equal(await statusOf(uploaded.id), 206, 'not processed while the slot is taken');
    await release();
    // well before the retry delay: the job waited for the slot instead of going back to the queue
    await until(async () => (await statusOf(uploaded.id)) === 200, 'the upload processed', 6_000);
  });

  it('a job that gets no slot within the wait goes back to the queue, freeing its worker for other jobs, and is processed later', async () => {
    const waits = observeSlotWaits({ waitMs: 300, retryDelayMs: 300 });
    const release = holdSlot();
    const waiting = await uploadV2(media.mp4);
    startWorker();
    await until(async () => waits.asked > 0, 'the job to wait for a slot');
    // another job for the single worker thread: a v2 upload deleted before processing, whose job has nothing to do
    const other = await uploadV2(media.mp4);
    assert.equal((await instance.request('DELETE', `/api/v1/media/${other.id}`, { token: alice.token })).status, 200);
    await until(async () => (await instance.ctx.queue.counts()).default === 1, 'the other job run by the only worker thread', 10_000);
    // back in the queue, and tried again from there
    await until(async () => waits.requeued >= 2, 'the job to go back to the queue twice');
    assert.equal(await statusOf(waiting.id), 206, 'still waiting for a slot');
    assert.equal((await instance.ctx.queue.counts()).default, 1, 'queued again, not dropped');
    await release();
    await until(async () => (await statusOf(waiting.id)) === 200, 'the upload processed once a slot is free');
    assert.deepEqual(await instance.ctx.queue.deadJobs(), []);
  });

  it('working directories of a process that is gone are removed when a worker starts and by the daily vacuum; live ones stay', async () => {
    for (const dir of abandonedBeforeStart) assert.equal(existsSync(dir), false, `${dir} removed when the worker started`);
    const abandoned = leftWorkingDir(await deadPid());
    const own = leftWorkingDir(process.pid);
    const other = leftWorkingDir(process.ppid);
    try {
      await runVacuum(instance.ctx);
      assert.equal(existsSync(abandoned), false, 'a dead process’s directory is removed');
      assert.equal(existsSync(own), true, 'this process’s own directory stays (a transcode may be running)');
      assert.equal(existsSync(other), true, 'a running process’s directory stays');
    } finally {
      for (const dir of [abandoned, own, other]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
