import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { after, before, describe, it } from 'node:test';
import { QUEUE_NAMES } from '../../src/backends/queue/index.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, redisMode, serverMode, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { METRICS_ENV, metricNames, promqlMetricNames, scrape, total, type Sample } from '../helpers/metrics.ts';
import { openEventStream } from '../helpers/stream-clients.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';

describe('Prometheus metrics after a workload (every role in one process)', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  const metrics = () => scrape(instance.metricsUrl!);
  /** waits until the scraped figure satisfies `ok` */
  const untilFigure = (what: string, read: (samples: Sample[]) => number, ok: (value: number) => boolean) =>
    until(async () => {
      const value = read(await metrics());
      return ok(value) && { value };
    }, what);

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ...METRICS_ENV, ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', STATUS_PAGE_URL: 'https://status.example.com' } });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance?.close();
    await remote?.close();
  });

  it('serves /metrics on its own listener, not on the web port', async () => {
    assert.ok(instance.metricsUrl, 'the exporter listens');
    assert.notEqual(new URL(instance.metricsUrl).port, new URL(instance.url).port);
    const response = await fetch(`${instance.metricsUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal((await instance.request('GET', '/metrics')).status, 404, 'the public port serves no metrics');
  });

  it('counts requests by route pattern and status, with a latency histogram', async () => {
    const before = await metrics();
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'counted' } });
    assert.equal(posted.status, 200, posted.text);
    for (let i = 0; i < 3; i++) assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: alice.token })).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/statuses/999999999', { token: alice.token })).status, 404);
    assert.equal((await instance.request('GET', '/no/such/path/42')).status, 404);
    const after = await metrics();
    const requests = (samples: Sample[], labels: Record<string, string>) => total(samples, 'subspace_http_requests_total', labels);
    const show = { method: 'GET', route: '/api/v1/statuses/:id' };
    assert.equal(requests(after, { ...show, status: '200' }) - requests(before, { ...show, status: '200' }), 3);
    assert.equal(requests(after, { ...show, status: '404' }) - requests(before, { ...show, status: '404' }), 1);
    assert.equal(requests(after, { method: 'POST', route: '/api/v1/statuses', status: '200' }) - requests(before, { method: 'POST', route: '/api/v1/statuses', status: '200' }), 1);
    assert.ok(requests(after, { route: 'unmatched', status: '404' }) >= 1, 'an unknown path counts under one route');
    assert.ok(!after.some((sample) => sample.labels.route?.includes(posted.body.id)), 'no label carries a URL');
    assert.ok(total(after, 'subspace_http_request_duration_seconds_count') > total(before, 'subspace_http_request_duration_seconds_count'));
    assert.ok(!after.some((sample) => sample.name === 'subspace_http_request_duration_seconds_count' && sample.labels.route), 'per-route latency only with WEB_DETAILED_METRICS');
  });

  it('counts jobs by queue and result, and shows every queue’s size, latency, retries and dead jobs', async () => {
    const before = total(await metrics(), 'subspace_jobs_total', { queue: 'default', result: 'succeeded' });
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'fanned out' } });
    assert.equal(posted.status, 200);
    await queuesDrained(instance);
    await untilFigure(
      'the fan-out job to be counted',
      (samples) => total(samples, 'subspace_jobs_total', { queue: 'default', result: 'succeeded' }),
      (value) => value > before,
    );
    const samples = await metrics();
    for (const name of ['subspace_queue_size', 'subspace_queue_latency_seconds', 'subspace_queue_retries', 'subspace_queue_dead']) {
      assert.deepEqual(
        samples
          .filter((sample) => sample.name === name)
          .map((sample) => sample.labels.queue)
          .sort(),
        [...QUEUE_NAMES].sort(),
        name,
      );
    }
    assert.ok(total(samples, 'subspace_job_duration_seconds_count', { queue: 'default' }) > 0);
  });

  it('counts inbound activities by type and deliveries per domain', async () => {
    const inboundBefore = total(await metrics(), 'subspace_federation_inbound_activities_total', { type: 'Follow' });
    const followed = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, {
      '@context': AS,
      id: `${remote.origin}/follows/1`,
      type: 'Follow',
      actor: remote.actorId,
      object: `${BASE}/users/alice`,
    });
    assert.equal(followed.status, 202, followed.text);
    await untilFigure(
      'the Follow to be counted',
      (samples) => total(samples, 'subspace_federation_inbound_activities_total', { type: 'Follow' }),
      (value) => value === inboundBefore + 1,
    );
    // the Accept goes back to bob's server
    await until(async () => remote.delivered.some((entry) => entry.body?.type === 'Accept'), 'the Accept to be delivered');
    await untilFigure(
      'the delivery to be counted',
      (samples) => total(samples, 'subspace_federation_deliveries_total', { domain: remote.host, result: 'delivered' }),
      (value) => value >= 1,
    );
  });

  it('shows streaming connections per stream, and their end', async () => {
    const stream = await openEventStream(instance.url, 'user', alice.token);
    try {
      await untilFigure(
        'the connection to show',
        (samples) => total(samples, 'subspace_streaming_subscriptions', { stream: 'user' }),
        (value) => value === 1,
      );
      assert.equal(total(await metrics(), 'subspace_streaming_connections'), 1);
    } finally {
      stream.close();
    }
    await untilFigure(
      'the connection to be gone',
      (samples) => total(samples, 'subspace_streaming_connections'),
      (value) => value === 0,
    );
  });

  it('times database statements, and shows Node’s event-loop lag and memory', async () => {
    const samples = await metrics();
    assert.ok(total(samples, 'subspace_db_query_duration_seconds_count') > 0);
    assert.ok(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds'));
    assert.ok(total(samples, 'process_resident_memory_bytes') > 0);
    assert.ok(total(samples, 'nodejs_heap_size_used_bytes') > 0);
    if (serverMode) assert.ok(total(samples, 'subspace_db_pool_connections', { state: 'total' }) >= 1, 'the PostgreSQL pool');
    if (redisMode) assert.equal(total(samples, 'subspace_redis_up', { client: 'subspace:cache' }), 1, 'the cache’s Redis is up');
    else assert.ok(!samples.some((sample) => sample.name === 'subspace_redis_up'), 'no Redis, no Redis figures');
  });

  it('the shipped Grafana dashboard and Prometheus alert rules read only metrics the registry has', async () => {
    const registered = new Set(instance.ctx.metrics!.registry.getMetricsAsArray().map((metric) => metric.name));
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/subspace.json', import.meta.url), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const rules = (parse(readFileSync(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
      (group) => group.rules,
    );
    const expressions = [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)), ...rules.map((rule) => rule.expr)];
    assert.ok(expressions.length > 30, `${expressions.length} expressions`);
    const used = new Set(expressions.flatMap(promqlMetricNames));
    assert.deepEqual(
      [...used].filter((name) => !registered.has(name)),
      [],
      'metrics the dashboard or the alerts name but nothing exports',
    );
    // and what the workload exercised shows in a scrape
    const scraped = metricNames(await metrics());
    for (const name of [
      'subspace_http_requests_total',
      'subspace_jobs_total',
      'subspace_federation_deliveries_total',
      'subspace_federation_inbound_activities_total',
      'subspace_db_query_duration_seconds',
    ])
      assert.ok(scraped.has(name), name);
    assert.ok(used.has('subspace_queue_latency_seconds') && used.has('nodejs_eventloop_lag_p99_seconds'), 'the parser finds names');
  });

  it('shows STATUS_PAGE_URL in the instance API', async () => {
    const response = await instance.request('GET', '/api/v2/instance');
    assert.equal(response.body.configuration.urls.status, 'https://status.example.com');
  });
});

describe('metrics switched off', () => {
  it('without MASTODON_PROMETHEUS_EXPORTER_ENABLED no exporter listens and nothing is measured', async () => {
    const instance = await startInstance({ roles: { web: true } });
    try {
      assert.equal(instance.metricsUrl, undefined);
      assert.equal(instance.ctx.metrics, undefined);
      assert.equal((await instance.request('GET', '/api/v2/instance')).body.configuration.urls.status, null);
    } finally {
      await instance.close();
    }
  });
});
