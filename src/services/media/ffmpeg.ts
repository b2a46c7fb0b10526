import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Config } from '../../config/index.ts';

/**
 * Running ffmpeg and ffprobe: always with an argument array (never through a shell), without stdin,
 * killed when over their time, their output kept to a bounded size. The programs are `FFMPEG_BINARY`
 * and `FFPROBE_BINARY` when set, else the static builds of @ffmpeg-installer and @ffprobe-installer,
 * else whatever `ffmpeg`/`ffprobe` the PATH has.
 */

const require = createRequire(import.meta.url);

function bundled(packageName: string): string | undefined {
  try {
    return (require(packageName) as { path?: string }).path;
  } catch {
    // the package has no build for this platform (it throws a string): rely on the PATH
    return undefined;
  }
}

let bundledFfmpeg: string | undefined | null = null;
let bundledFfprobe: string | undefined | null = null;

export function ffmpegBinary(config: Config): string {
  if (config.media.ffmpegBinary) return config.media.ffmpegBinary;
  if (bundledFfmpeg === null) bundledFfmpeg = bundled('@ffmpeg-installer/ffmpeg');
  return bundledFfmpeg ?? 'ffmpeg';
}

export function ffprobeBinary(config: Config): string {
  if (config.media.ffprobeBinary) return config.media.ffprobeBinary;
  if (bundledFfprobe === null) bundledFfprobe = bundled('@ffprobe-installer/ffprobe');
  return bundledFfprobe ?? 'ffprobe';
}

/** ffmpeg or ffprobe failed on a file (its exit status, a signal, the time limit, too much output): the file's fault. */
export class ToolFailed extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(stderr ? `${message}: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : message);
    this.stderr = stderr;
  }
}

/** ffmpeg or ffprobe ran out of time: the file's fault (a bomb), or a server too busy; a job tries again. */
export class ToolTimedOut extends ToolFailed {}

/** The program could not be started at all (FFMPEG_BINARY wrong, ffmpeg missing): the instance's fault, never the upload's. */
export class ToolMissing extends Error {}

export interface RunOptions {
  timeoutMs: number;
  /** bytes of stdout kept; more fails the run (ffprobe's JSON is small) */
  maxStdout?: number;
}

/** The tail of stderr kept for error messages. */
const STDERR_TAIL = 16 * 1024;

/** Runs a program to its end; resolves with its stdout, rejects with ToolFailed (exit status, signal, timeout, too much output). */
export function runTool(binary: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: string | undefined;
    let timedOut = false;
    const stop = (why: string) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop(`timed out after ${options.timeoutMs} ms`);
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > (options.maxStdout ?? 1024 * 1024)) return stop('too much output');
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ToolMissing(`could not run ${binary} (set FFMPEG_BINARY and FFPROBE_BINARY): ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) return reject(new (timedOut ? ToolTimedOut : ToolFailed)(`${binary} ${failure}`, stderr));
      if (code !== 0) return reject(new ToolFailed(`${binary} exited with ${code ?? signal}`, stderr));
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
  });
}

/** Lets at most `limit` tasks run at once; the others wait in order. */
class Semaphore {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Runs `task` if a slot is free within `waitMs`; undefined (and `task` not run) otherwise. */
  async runWithin<T>(waitMs: number, task: () => Promise<T>): Promise<{ result: T } | undefined> {
    if (this.#running < this.#limit) this.#running++;
    else if (!(await this.#waitFor(waitMs))) return undefined;
    try {
      return { result: await task() };
    } finally {
      this.#release();
    }
  }

  /** Waits at most `waitMs` for a slot to be handed over; false (and out of the line) when none was. */
  #waitFor(waitMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(handOver);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(false);
      }, waitMs);
      this.#waiting.push(handOver);
    });
  }

  #release() {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}

/** One per process (per loaded configuration: tests run several instances in one process). */
const transcodeSlots = new WeakMap<Config, Semaphore>();

/**
 * Runs a transcode (or any heavy ffmpeg work) when one of the process's `SUBSPACE_MEDIA_TRANSCODES`
 * slots (1 by default) is free: a video takes all of a core or more, and a second at once would only
 * slow both down and double the memory.
 */
export function withTranscodeSlot<T>(config: Config, task: () => Promise<T>): Promise<T> {
  return slotsOf(config).run(task);
}

/**
 * The same, for a job: it runs only if a slot is free within `waitMs` (undefined otherwise), so that
 * a worker's threads are not held long while the fan-out and other jobs of its queue could run.
 */
export function withTranscodeSlotWithin<T>(config: Config, waitMs: number, task: () => Promise<T>): Promise<{ result: T } | undefined> {
  return slotsOf(config).runWithin(waitMs, task);
}

function slotsOf(config: Config): Semaphore {
  let slots = transcodeSlots.get(config);
  if (!slots) transcodeSlots.set(config, (slots = new Semaphore(config.media.transcodeConcurrency)));
  return slots;
}
