/**
 * Remote servers for the outbound bench, in a process of their own: M small HTTP servers, each on its
 * own loopback address (127.0.0.2, 127.0.0.3, …; past 250 servers, addresses are shared and ports
 * tell them apart), whose shared inbox answers 202 after `latencyMs` and records when each signed
 * activity arrived (epoch ms, performance.timeOrigin + performance.now(), comparable across
 * processes). Driven by the bench over IPC:
 *
 *   {id, type: 'hosts'}          → {hosts: [[host, origin], …]}
 *   {id, type: 'arrivals', uri}  → {first: [epoch ms | null per server], requests, unsigned}
 *
 *   node bench/lib/delivery-sinks.ts SERVERS LATENCY_MS
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2]);
const latencyMs = Number(process.argv[3] ?? 0);
const now = () => performance.timeOrigin + performance.now();

interface Sink {
  host: string;
  origin: string;
  /** activity object id → arrival times of its signed POSTs */
  arrivals: Map<string, number[]>;
  server: Server;
}
let unsigned = 0;

async function startSink(index: number): Promise<Sink> {
  const address = `127.0.0.${2 + (index % 250)}`;
  const sink = { arrivals: new Map() } as Sink;
  sink.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = now();
      if (!req.headers.signature && !req.headers['signature-input']) unsigned += 1;
      else {
        try {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { object?: { id?: string } | string };
          const key = typeof activity.object === 'string' ? activity.object : (activity.object?.id ?? '');
          sink.arrivals.set(key, [...(sink.arrivals.get(key) ?? []), at]);
        } catch {
          unsigned += 1;
        }
      }
      const answer = () => res.writeHead(req.method === 'POST' ? 202 : 404).end();
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  sink.server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.server.listen(0, address, resolve));
  sink.host = `${address}:${(sink.server.address() as AddressInfo).port}`;
  sink.origin = `http://${sink.host}`;
  return sink;
}

const sinks = await Promise.all(Array.from({ length: count }, (_, i) => startSink(i)));
process.on('message', (message: { id: number; type: string; uri?: string }) => {
  if (message.type === 'hosts') process.send!({ id: message.id, hosts: sinks.map((sink) => [sink.host, sink.origin]) });
  if (message.type === 'arrivals') {
    const uri = message.uri ?? '';
    const first = sinks.map((sink) => (sink.arrivals.has(uri) ? Math.min(...sink.arrivals.get(uri)!) : null));
    const requests = sinks.reduce((sum, sink) => sum + (sink.arrivals.get(uri)?.length ?? 0), 0);
    process.send!({ id: message.id, first, requests, unsigned });
  }
});
process.send!({ id: 0, ready: true });
process.on('SIGTERM', () => void Promise.all(sinks.map((sink) => new Promise((resolve) => sink.server.close(resolve)))).then(() => process.exit(0)));
