import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

/**
 * A StatsD client over UDP (the plain line protocol: `name:value|c`, `|ms`, `|g`), as Mastodon's
 * `STATSD_ADDR` integration: every name starts with the namespace (`STATSD_NAMESPACE`). Lines are
 * buffered and sent together, several to a datagram (newline-separated, as StatsD and its successors
 * read them), at each flush or once a datagram is full; a send that fails is dropped, as UDP is.
 */

/** Kept under a usual path MTU so that no datagram is fragmented. */
const MAX_DATAGRAM_BYTES = 1400;
/** Datagrams beyond this waiting to be sent are dropped (a StatsD that is away must not grow memory). */
const MAX_DATAGRAMS_IN_FLIGHT = 1000;

export interface StatsdOptions {
  host: string;
  port: number;
  namespace: string;
  /** how often buffered lines are sent (ms) */
  flushMs?: number;
}

/** A metric name's part: StatsD reserves `:`, `|`, `@` and newlines; dots separate parts. */
export function statsdKey(part: string): string {
  return (
    part
      .replace(/::/g, '.')
      .replace(/[:|@\s/\\]+/g, '_')
      .replace(/^[._]+|[._]+$/g, '') || 'root'
  );
}

export class StatsdClient {
  readonly #socket: Socket;
  readonly #options: StatsdOptions;
  readonly #prefix: string;
  /** the datagram being filled */
  #batch = '';
  #sending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: StatsdOptions) {
    this.#options = options;
    this.#prefix = options.namespace ? `${options.namespace}.` : '';
    this.#socket = createSocket(isIP(options.host) === 6 ? 'udp6' : 'udp4');
    this.#socket.on('error', () => {});
    this.#socket.unref();
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? 1000);
    this.#timer.unref();
  }

  increment(name: string, by = 1): void {
    this.#push(`${name}:${by}|c`);
  }

  /** a duration in milliseconds */
  timing(name: string, milliseconds: number): void {
    this.#push(`${name}:${Math.round(milliseconds * 1000) / 1000}|ms`);
  }

  gauge(name: string, value: number): void {
    this.#push(`${name}:${Math.max(0, value)}|g`);
  }

  #push(line: string) {
    if (this.#closed) return;
    const full = this.#prefix + line;
    if (this.#batch && Buffer.byteLength(this.#batch) + 1 + Buffer.byteLength(full) > MAX_DATAGRAM_BYTES) this.#send();
    this.#batch = this.#batch ? `${this.#batch}\n${full}` : full;
  }

  #send() {
    const datagram = this.#batch;
    this.#batch = '';
    if (!datagram || this.#sending.size >= MAX_DATAGRAMS_IN_FLIGHT) return;
    const sent = new Promise<void>((resolve) => this.#socket.send(datagram, this.#options.port, this.#options.host, () => resolve()));
    this.#sending.add(sent);
    void sent.then(() => this.#sending.delete(sent));
  }

  /** Sends the lines buffered since the last datagram, and waits for what is being sent. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.all(this.#sending);
  }

  /** Sends what is buffered, then closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    await this.flush();
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
