import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricsConfig } from '../../src/config/index.ts';
import { MAX_DELIVERY_DOMAINS, Metrics } from '../../src/metrics/metrics.ts';
import { parseExposition, total } from '../helpers/metrics.ts';

const config = (detailed: boolean): MetricsConfig => ({ enabled: true, local: true, host: '127.0.0.1', port: 0, webDetailed: detailed, sidekiqDetailed: detailed });
const samplesOf = async (metrics: Metrics) => parseExposition((await metrics.exposition()).body);

describe('the metrics registry', () => {
  it('web-detailed: a latency histogram per method and route, as Mastodon’s WEB_DETAILED_METRICS', async () => {
    const plain = new Metrics(config(false));
    const detailed = new Metrics(config(true));
    for (const metrics of [plain, detailed]) {
      metrics.observeRequest('GET', '/api/v1/statuses/:id', 200, 0.02);
      metrics.observeRequest('GET', '/api/v1/statuses/:id', 200, 0.03);
      metrics.observeRequest('POST', '/api/v1/statuses', 422, 0.01);
    }
    const [plainSamples, detailedSamples] = [await samplesOf(plain), await samplesOf(detailed)];
    for (const samples of [plainSamples, detailedSamples]) {
      assert.equal(total(samples, 'subspace_http_requests_total', { method: 'GET', route: '/api/v1/statuses/:id', status: '200' }), 2);
      assert.equal(total(samples, 'subspace_http_requests_total', { method: 'POST', route: '/api/v1/statuses', status: '422' }), 1);
    }
    assert.deepEqual(
      plainSamples.filter((sample) => sample.name === 'subspace_http_request_duration_seconds_count').map((sample) => [sample.labels, sample.value]),
      [[{}, 3]],
    );
    assert.equal(total(detailedSamples, 'subspace_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/statuses/:id' }), 2);
    assert.equal(total(detailedSamples, 'subspace_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/v1/statuses/:id', le: '0.025' }), 1);
  });

  it('sidekiq-detailed: job figures per job class too; every try counted as succeeded or failed', async () => {
    for (const detailed of [false, true]) {
      const metrics = new Metrics(config(detailed));
      const handler = metrics.instrumentJobs(async (job) => {
        if (job.name === 'Fails') throw new Error('no');
      });
      await handler({ id: '1', queue: 'default', name: 'DistributionWorker', data: null, attempt: 1 });
      await assert.rejects(handler({ id: '2', queue: 'push', name: 'Fails', data: null, attempt: 1 }));
      const samples = await samplesOf(metrics);
      assert.equal(total(samples, 'subspace_jobs_total', { queue: 'default', result: 'succeeded' }), 1);
      assert.equal(total(samples, 'subspace_jobs_total', { queue: 'push', result: 'failed' }), 1);
      const jobs = samples.filter((sample) => sample.name === 'subspace_jobs_total').map((sample) => sample.labels.job_name);
      assert.deepEqual(jobs.sort(), detailed ? ['DistributionWorker', 'Fails'] : ['', '']);
    }
  });

  it('keeps the delivery domains bounded, and unknown activity types under `other`', async () => {
    const metrics = new Metrics(config(false));
    for (let i = 0; i < MAX_DELIVERY_DOMAINS + 20; i++) metrics.observeDelivery(`server${i}.example`, 'delivered');
    metrics.observeDelivery('server0.example', 'failed');
    metrics.observeInboundActivity('Create');
    metrics.observeInboundActivity('MadeUpActivity');
    metrics.observeInboundActivity(['Create', 'Other']);
    const samples = await samplesOf(metrics);
    const domains = new Set(samples.filter((sample) => sample.name === 'subspace_federation_deliveries_total').map((sample) => sample.labels.domain));
    assert.equal(domains.size, MAX_DELIVERY_DOMAINS + 1);
    assert.equal(total(samples, 'subspace_federation_deliveries_total', { domain: 'other' }), 20);
    assert.equal(total(samples, 'subspace_federation_deliveries_total', { domain: 'server0.example', result: 'failed' }), 1);
    assert.equal(total(samples, 'subspace_federation_inbound_activities_total', { type: 'Create' }), 1);
    assert.equal(total(samples, 'subspace_federation_inbound_activities_total', { type: 'other' }), 2);
  });

  it('reads the gauges from their sources at scrape time, and a failing source leaves its gauges empty', async () => {
    const metrics = new Metrics(config(false));
    let reads = 0;
    metrics.addSources({
      queueStats: async () => {
        reads += 1;
        throw new Error('the queue is away');
      },
      databasePool: () => ({ total: 5, idle: 3, waiting: 1 }),
      redisClients: () => [{ name: 'subspace:cache', up: false, errors: 4 }],
    });
    const samples = await samplesOf(metrics);
    assert.equal(reads, 1, 'one read serves the four queue gauges');
    assert.ok(!samples.some((sample) => sample.name === 'subspace_queue_size'));
    assert.equal(total(samples, 'subspace_db_pool_connections', { state: 'waiting' }), 1);
    assert.equal(total(samples, 'subspace_redis_up', { client: 'subspace:cache' }), 0);
    assert.equal(total(samples, 'subspace_redis_errors_total', { client: 'subspace:cache' }), 4);
  });
});
