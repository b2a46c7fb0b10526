/**
 * The yardstick of the benches: a bare node:http server answering every request with the same small
 * JSON body, started as a child (`node bench/lib/bare-server.ts` with PORT set), so the same client
 * measures it and Subspace in the same run and the ratio survives a busy or different machine.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ id: '109999999999999999', content: '<p>A constant answer</p>', visibility: 'public', account: { id: '1', username: 'bare' } });
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), process.env.BIND ?? '127.0.0.1', () => {
  // GET /health is answered like everything else: the bench waits for its 200
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
