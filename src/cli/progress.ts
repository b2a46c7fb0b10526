import cliProgress from 'cli-progress';

/**
 * How a long admin command (`media refresh`…) says how far it got. The command calls it wherever
 * it runs; the CLI shows it on its stderr, also when the command runs inside the instance and its
 * progress comes over the control socket.
 */
export interface Progress {
  start(total: number): void;
  /** the total grown or shrunk while it runs (a crawl finds more to do as it goes) */
  setTotal?(total: number): void;
  increment(by?: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, increment() {}, stop() {} };

/** A plain line each tenth of the way, for logs and pipes. */
function lineProgress(stream: NodeJS.WritableStream): Progress {
  let total = 0;
  let done = 0;
  let reported = -1;
  const report = () => {
    if (done === reported) return;
    reported = done;
    stream.write(`Processed ${done}/${total}\n`);
  };
  return {
    start(value) {
      total = value;
      done = 0;
      reported = -1;
    },
    setTotal(value) {
      total = value;
    },
    increment(by = 1) {
      const before = Math.floor((done * 10) / Math.max(total, 1));
      done += by;
      // without a total (a walk through storage) there is no tenth of the way to report
      if (total > 0 && Math.floor((done * 10) / total) > before) report();
    },
    stop() {
      if (total > 0) report();
    },
  };
}

/** cli-progress's bar (as tootctl's: count, bar, time left) when `stream` is a terminal, plain lines otherwise. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return lineProgress(stream);
  const bar = new cliProgress.SingleBar({ stream, format: '{value}/{total} |{bar}| {percentage}% | ETA: {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    start(total) {
      running = true;
      bar.start(total, 0);
    },
    setTotal(total) {
      if (running) bar.setTotal(total);
    },
    increment(by = 1) {
      if (running) bar.increment(by);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** A progress event as it travels over the control socket. */
export type ProgressEvent = { progress: 'start'; total: number } | { progress: 'total'; total: number } | { progress: 'increment'; by: number } | { progress: 'stop' };

/** A Progress that sends its events to `send`, increments gathered over `intervalMs` (a bar redraws ten times a second at most). */
export function forwardingProgress(send: (event: ProgressEvent) => void, intervalMs = 100): Progress {
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending > 0) send({ progress: 'increment', by: pending });
    pending = 0;
  };
  return {
    start(total) {
      send({ progress: 'start', total });
    },
    setTotal(total) {
      flush();
      send({ progress: 'total', total });
    },
    increment(by = 1) {
      pending += by;
      timer ??= setTimeout(flush, intervalMs);
    },
    stop() {
      if (timer) clearTimeout(timer);
      flush();
      send({ progress: 'stop' });
    },
  };
}

/** Applies an event that came over the control socket to the CLI's own Progress. */
export function applyProgressEvent(progress: Progress, event: unknown): void {
  if (typeof event !== 'object' || event === null) return;
  const value = event as Record<string, unknown>;
  if (value.progress === 'start' && typeof value.total === 'number') progress.start(value.total);
  else if (value.progress === 'total' && typeof value.total === 'number') progress.setTotal?.(value.total);
  else if (value.progress === 'increment' && typeof value.by === 'number') progress.increment(value.by);
  else if (value.progress === 'stop') progress.stop();
}
