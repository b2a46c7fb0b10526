import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardedFetch, isAddressAllowed, OutboundRequestRefused, outboundPolicy, ResponseTooLarge, withOutboundPolicy } from '../../src/lib/outbound-fetch.ts';

describe('which addresses federation may fetch from', () => {
  const none = outboundPolicy([]);

  it('allows public addresses and refuses private, loopback, link-local and mapped ones', () => {
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) assert.ok(isAddressAllowed(address, none), address);
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1']) {
      assert.equal(isAddressAllowed(address, none), false, address);
    }
  });

  it('allows the private addresses and ranges ALLOWED_PRIVATE_ADDRESSES lists, and no others', () => {
    const policy = outboundPolicy(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    for (const address of ['127.0.0.1', '10.9.9.9', 'fd12::1', '::ffff:127.0.0.1']) assert.ok(isAddressAllowed(address, policy), address);
    for (const address of ['127.0.0.2', '192.168.1.1', '::1']) assert.equal(isAddressAllowed(address, policy), false, address);
  });
});

describe('guarded fetches', () => {
  let server: Server;
  let origin: string;
  let hits: string[];
  before(async () => {
    hits = [];
    server = createServer((req, res) => {
      hits.push(req.url!);
      if (req.url === '/big') return res.end('x'.repeat(2048));
      if (req.url === '/big-chunked') {
        res.write('x'.repeat(1024));
        res.write('x'.repeat(1024));
        return res.end();
      }
      if (req.url === '/to-private') return res.writeHead(302, { location: `http://127.0.0.2:${(server.address() as AddressInfo).port}/` }).end();
      if (req.url === '/to-ok') return res.writeHead(301, { location: '/ok' }).end();
      if (req.url === '/hang') return;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const loopback = { ...outboundPolicy(['127.0.0.1']), maxBytes: 1024, timeoutMs: 300 };

  it('checks the addresses again when connecting: a name that changes to a private address (DNS rebinding) is refused', async () => {
    const port = new URL(origin).port;
    const trapHits: string[] = [];
    const trap = createServer((req, res) => {
      trapHits.push(req.url!);
      res.end('trap');
    });
    await new Promise<void>((resolve) => trap.listen(Number(port), '127.0.0.5', resolve));
    try {
      // resolved by the policy's resolver alone, at the check and at the connection: the system knows neither name
      const steady = { ...outboundPolicy(['127.0.0.1'], undefined, async () => [{ address: '127.0.0.1', family: 4 }]), timeoutMs: 2000 };
      const found = await guardedFetch(fetch, steady, `http://steady.test:${port}/ok`);
      assert.equal(await found.text(), 'ok', 'the connection used the checked address');

      let asked = 0;
      const rebinding = outboundPolicy(['127.0.0.1'], undefined, async () => [{ address: asked++ === 0 ? '127.0.0.1' : '127.0.0.5', family: 4 }]);
      const error = await guardedFetch(fetch, { ...rebinding, timeoutMs: 2000 }, `http://rebind.test:${port}/secret`).then(
        () => assert.fail('fetched through a rebound name'),
        (caught: Error) => caught,
      );
      assert.ok(error.cause instanceof OutboundRequestRefused, `refused at the connection: ${String(error.cause ?? error)}`);
      assert.ok(asked >= 2, 'resolved again when connecting');
      assert.deepEqual(trapHits, [], 'nothing reached the private address');
    } finally {
      trap.closeAllConnections();
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('refuses a private address before connecting unless it is listed', async () => {
    const before = hits.length;
    await assert.rejects(guardedFetch(fetch, outboundPolicy([]), `${origin}/ok`), OutboundRequestRefused);
    await assert.rejects(guardedFetch(fetch, outboundPolicy([]), `http://localhost:${new URL(origin).port}/ok`), OutboundRequestRefused);
    assert.equal(hits.length, before, 'nothing reached the server');
    const response = await guardedFetch(fetch, loopback, `${origin}/ok`);
    assert.equal(await response.text(), 'ok');
    assert.equal(response.url, `${origin}/ok`);
  });

  it('refuses other schemes', async () => {
    await assert.rejects(guardedFetch(fetch, loopback, 'file:///etc/passwd'), OutboundRequestRefused);
  });

  it('follows redirects only to allowed addresses', async () => {
    assert.equal(await (await guardedFetch(fetch, loopback, `${origin}/to-ok`)).text(), 'ok');
    await assert.rejects(guardedFetch(fetch, loopback, `${origin}/to-private`), OutboundRequestRefused);
    const manual = await guardedFetch(fetch, loopback, `${origin}/to-private`, { redirect: 'manual' });
    assert.equal(manual.status, 302, 'a caller following redirects itself gets the redirect');
  });

  it('caps the response size, declared or streamed', async () => {
    await assert.rejects(guardedFetch(fetch, loopback, `${origin}/big`), ResponseTooLarge);
    const chunked = await guardedFetch(fetch, loopback, `${origin}/big-chunked`);
    await assert.rejects(chunked.text(), ResponseTooLarge);
  });

  it('gives up on a server that does not answer', async () => {
    const started = Date.now();
    await assert.rejects(guardedFetch(fetch, loopback, `${origin}/hang`), (error: Error) => error.name === 'TimeoutError' || error.name === 'AbortError');
    assert.ok(Date.now() - started < 5000);
  });

  it('guards the global fetch inside withOutboundPolicy only', async () => {
    await assert.rejects(
      withOutboundPolicy(outboundPolicy([]), () => fetch(`${origin}/ok`)),
      OutboundRequestRefused,
    );
    assert.equal(await (await withOutboundPolicy(loopback, () => fetch(`${origin}/ok`))).text(), 'ok');
    assert.equal(await (await fetch(`${origin}/ok`)).text(), 'ok', 'outside the scope fetch is untouched');
  });
});
