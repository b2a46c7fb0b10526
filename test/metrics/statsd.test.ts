import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { StatsdClient } from '../../src/metrics/statsd.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';

/** A StatsD server on loopback: every line of every datagram it receives, and the datagrams' count. */
async function startStatsdServer(): Promise<{ port: number; lines: string[]; datagrams: string[]; close(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const lines: string[] = [];
  const datagrams: string[] = [];
  socket.on('message', (message) => {
    datagrams.push(message.toString());
    lines.push(...message.toString().split('\n'));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, lines, datagrams, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** The lines named `name` (after the namespace), as `[value, type]`. */
const linesNamed = (lines: string[], name: string) => lines.filter((line) => line.startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).split('|') as [string, string]);

describe('StatsD (STATSD_ADDR, as Mastodon)', () => {
  let statsd: Awaited<ReturnType<typeof startStatsdServer>>;
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    statsd = await startStatsdServer();
    instance = await startInstance({ env: { STATSD_ADDR: `127.0.0.1:${statsd.port}`, STATSD_NAMESPACE: 'social.test' } });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance?.close();
    await statsd?.close();
  });

  it('sends request timings and status counts, job timings and results, and statement timings after a workload', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'counted by statsd' } });
    assert.equal(posted.status, 200, posted.text);
    for (let i = 0; i < 2; i++) assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: alice.token })).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/statuses/999999999', { token: alice.token })).status, 404);
    await queuesDrained(instance);
    await instance.ctx.metrics!.statsd!.flush();
    const route = 'social.test.web.api.v1.statuses.id.get';
    await until(
      async () => linesNamed(statsd.lines, `${route}.status.200`).length >= 2 && linesNamed(statsd.lines, 'social.test.sidekiq.DistributionWorker.success').length > 0,
      'the figures at the StatsD server',
    );
    assert.deepEqual(linesNamed(statsd.lines, `${route}.status.200`), [
      ['1', 'c'],
      ['1', 'c'],
    ]);
    assert.deepEqual(linesNamed(statsd.lines, `${route}.status.404`), [['1', 'c']]);
    const timings = linesNamed(statsd.lines, `${route}.total_duration`);
    assert.equal(timings.length, 3);
    for (const [value, type] of timings) assert.ok(type === 'ms' && Number(value) >= 0, `${value}|${type}`);
    assert.equal(linesNamed(statsd.lines, 'social.test.web.api.v1.statuses.post.status.200').length, 1);
    assert.ok(linesNamed(statsd.lines, 'social.test.sidekiq.DistributionWorker.processing_time').every(([, type]) => type === 'ms'));
    assert.ok(linesNamed(statsd.lines, 'social.test.db.query.duration').length > 0, 'statements are timed');
    assert.ok(
      statsd.lines.every((line) => /^social\.test\.[A-Za-z0-9_.-]+:-?[\d.]+\|(c|ms|g)$/.test(line)),
      'every line is namespaced StatsD',
    );
    assert.ok(statsd.datagrams.length < statsd.lines.length, 'lines are batched into datagrams');
  });

  it('sends the queue, streaming and pool gauges', async () => {
    await instance.ctx.metrics!.sendStatsdGauges();
    await instance.ctx.metrics!.statsd!.flush();
    await until(async () => linesNamed(statsd.lines, 'social.test.sidekiq.queues.default.enqueued').length > 0, 'the queue gauges');
    assert.deepEqual(linesNamed(statsd.lines, 'social.test.streaming.connections').at(-1), ['0', 'g']);
  });

  it('serves no Prometheus exporter when only STATSD_ADDR is set', () => {
    assert.equal(instance.metricsUrl, undefined);
  });
});

describe('the StatsD client', () => {
  it('fills datagrams up to the size that is not fragmented, and sends the rest at a flush', async () => {
    const server = await startStatsdServer();
    const client = new StatsdClient({ host: '127.0.0.1', port: server.port, namespace: 'ns', flushMs: 60_000 });
    for (let i = 0; i < 200; i++) client.increment(`counter.number${i}`);
    await client.flush();
    await until(async () => server.lines.length === 200, 'the 200 lines');
    assert.ok(server.datagrams.length > 1 && server.datagrams.every((datagram) => Buffer.byteLength(datagram) <= 1400));
    assert.deepEqual(server.lines[199], 'ns.counter.number199:1|c');
    await client.close();
    client.increment('after.close');
    await server.close();
  });
});
