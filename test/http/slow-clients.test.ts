import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { statuses } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { openEventStream, openWebSocket } from '../helpers/stream-clients.ts';

const TIMEOUTS = { headersMs: 400, requestMs: 800, checkIntervalMs: 50 };

/** Sends `data` on a raw connection and resolves with everything the server wrote once it closes the connection. */
function sendAndWaitForClose(url: string, data: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(data));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('slow clients cannot hold connections', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance({ env: { PERSISTENT_TIMEOUT: '1' }, httpTimeouts: TIMEOUTS, streaming: { heartbeatMs: 100 } });
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  it('a body shorter than its Content-Length is answered 408 and the connection closed', { timeout: 20_000 }, async () => {
    const answer = await sendAndWaitForClose(
      instance.url,
      `POST /api/v1/statuses HTTP/1.1\r\nHost: subspace.test\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"status":"hi`,
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.equal((await instance.ctx.db.select().from(statuses)).length, 0);
  });

  it('headers never finished are answered 408 and the connection closed', { timeout: 20_000 }, async () => {
    const answer = await sendAndWaitForClose(instance.url, 'GET /api/v1/instance HTTP/1.1\r\nHost: subspace.test\r\n');
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed after PERSISTENT_TIMEOUT', { timeout: 20_000 }, async () => {
    const answer = await sendAndWaitForClose(instance.url, 'GET /health HTTP/1.1\r\nHost: subspace.test\r\nConnection: keep-alive\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.match(answer, /\r\nKeep-Alive: timeout=1\r\n/i);
  });

  it('streaming connections outlive the request timeout', { timeout: 20_000 }, async () => {
    const sse = await openEventStream(instance.url, 'user', alice.token);
    const ws = await openWebSocket(instance.url, { token: alice.token, stream: 'user' });
    try {
      // heartbeats mark time passing: well past the request timeout and several checks of it
      const heartbeats = Math.ceil((TIMEOUTS.requestMs * 3) / 100);
      await sse.next(() => sse.events.filter((event) => event.event === ':thump').length >= heartbeats);
      const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'still here' } });
      assert.equal(posted.status, 200);
      const isPost = (event: { event: string; payload: unknown }) => event.event === 'update' && (event.payload as { id?: string }).id === posted.body.id;
      await sse.next(isPost);
      await ws.next(isPost);
    } finally {
      sse.close();
      ws.close();
    }
  });
});
