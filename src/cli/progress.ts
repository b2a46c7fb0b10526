/*
 * Progress of a long admin command. Bars (cli-progress) are drawn only on the CLI's own stderr when
 * it is a terminal; a command run through the control socket, or with stderr redirected, prints
 * plain lines only (its output, when it ends).
 */

/** Where a command may show its progress while it runs; absent through the control socket. */
export interface CommandIO {
  /** a terminal (the CLI process's stderr when it is a TTY) */
  terminal?: NodeJS.WritableStream;
}

export interface Progress {
  setTotal(total: number): void;
  increment(step?: number): void;
  stop(): void;
}

const silent: Progress = { setTotal() {}, increment() {}, stop() {} };

/** A bar on the terminal, or nothing. With no total (a storage walk), it counts what it went through. */
export async function startProgress(io: CommandIO | undefined, label: string, total?: number): Promise<Progress> {
  if (!io?.terminal) return silent;
  const { SingleBar } = await import('cli-progress');
  const format = total === undefined ? `${label} {value} files | {duration_formatted}` : `${label} [{bar}] {percentage}% | {value}/{total} | ETA: {eta_formatted}`;
  const bar = new SingleBar({ stream: io.terminal, format, hideCursor: true, clearOnComplete: true, fps: 5 });
  bar.start(total ?? 0, 0);
  return {
    setTotal: (value) => bar.setTotal(value),
    increment: (step = 1) => bar.increment(step),
    stop: () => bar.stop(),
  };
}
