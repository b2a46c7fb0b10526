/**
 * A Web Push service for the push bench, in a process of its own: one HTTP server on 127.0.0.2 that
 * answers every POST to `/push/<n>` with 201 and records when it arrived (epoch ms, comparable across
 * processes) and whether it carried an aes128gcm body and a VAPID authorization. Driven over IPC:
 *
 *   {id, type: 'origin'}    → {origin}
 *   {id, type: 'arrivals'}  → {count, first, last, malformed} since the last reset
 *   {id, type: 'reset'}     → {}
 *
 *   node bench/lib/push-sink.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const now = () => performance.timeOrigin + performance.now();
let arrivals: number[] = [];
let malformed = 0;

const server = createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const at = now();
    const wellFormed = req.method === 'POST' && req.url?.startsWith('/push/') && req.headers['content-encoding'] === 'aes128gcm' && /^vapid t=/.test(req.headers.authorization ?? '') && bytes > 86;
    if (wellFormed) arrivals.push(at);
    else malformed += 1;
    res.writeHead(wellFormed ? 201 : 400).end();
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
const origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;

process.on('message', (message: { id: number; type: string }) => {
  if (message.type === 'origin') process.send!({ id: message.id, origin });
  if (message.type === 'arrivals') process.send!({ id: message.id, count: arrivals.length, first: Math.min(...arrivals), last: Math.max(...arrivals), malformed });
  if (message.type === 'reset') {
    arrivals = [];
    malformed = 0;
    process.send!({ id: message.id });
  }
});
process.send!({ id: 0, ready: true });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
