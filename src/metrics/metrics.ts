import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobHandler, QueueName, QueueStats } from '../backends/queue/index.ts';
import type { MetricsConfig } from '../config/index.ts';
import { StatsdClient, statsdKey } from './statsd.ts';

/**
 * What one process exports to Prometheus (prom-client, one registry per booted instance): HTTP
 * requests, jobs and queues, federation, streaming, the database, Redis, and Node's own figures
 * (event-loop lag, memory, GC). Names start with `subspace_` (Node's own with `nodejs_`/`process_`);
 * deploy/grafana/subspace.json and deploy/prometheus/alerts.yml use only these (a test checks).
 *
 * The hot paths (an HTTP response, a job, a statement) only increment a counter or observe a
 * histogram, through label children cached by key.
 *
 * With STATSD_ADDR the same figures also go to StatsD, named as Mastodon's StatsD integration names
 * them under STATSD_NAMESPACE: `web.<route>.<method>.total_duration` and `.status.<code>` per
 * request, `sidekiq.<Job>.processing_time`, `.success`, `.failure` per job, `db.query.duration`,
 * `federation.deliveries.<result>`, `federation.inbound.<type>`, and every ten seconds the gauges
 * (`sidekiq.queues.<queue>.enqueued|latency|retries|dead`, `streaming.connections`, `db.pool.<state>`).
 */

/** How often the gauges are sent to StatsD. */
const STATSD_GAUGE_MS = 10_000;

/** Deliveries are counted per domain up to this many domains; the others count as `other`. */
export const MAX_DELIVERY_DOMAINS = 100;
/** Inbound activity types counted by name; any other counts as `other`. */
const ACTIVITY_TYPES = new Set(['Accept', 'Add', 'Announce', 'Block', 'Create', 'Delete', 'EmojiReact', 'Flag', 'Follow', 'Like', 'Move', 'Reject', 'Remove', 'Undo', 'Update']);

/** Where gauges read their figures at scrape time; each is given by the role that has it. */
export interface MetricSources {
  queueStats?: () => Promise<Record<QueueName, QueueStats>>;
  streaming?: () => { connections: number; subscriptions: ReadonlyMap<string, number> };
  databasePool?: () => { total: number; idle: number; waiting: number };
  redisClients?: () => { name: string; up: boolean; errors: number }[];
}

interface RouteChildren {
  /** `web.<route>.<method>`, the route's StatsD name */
  statsdName: string;
  statuses: Map<number, Counter.Internal>;
  latency: Histogram.Internal<'method' | 'route'> | undefined;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export class Metrics {
  readonly registry = new Registry();
  readonly config: MetricsConfig;
  #sources: MetricSources = {};
  #routes = new Map<string, RouteChildren>();
  #deliveryDomains = new Set<string>();
  /** the StatsD client, with STATSD_ADDR */
  readonly statsd: StatsdClient | undefined;
  #gaugeTimer: NodeJS.Timeout | undefined;

  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly jobs: Counter<'queue' | 'job_name' | 'result'>;
  readonly jobDuration: Histogram<'queue' | 'job_name'>;
  readonly deliveries: Counter<'domain' | 'result'>;
  readonly inboundActivities: Counter<'type'>;
  readonly queryDuration: Histogram<string>;

  constructor(config: MetricsConfig) {
    this.config = config;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'subspace_http_requests_total',
      help: 'HTTP requests answered, by method, route (the route pattern) and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'subspace_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (per method and route with MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS)',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.jobs = new Counter({
      name: 'subspace_jobs_total',
      help: 'Job tries, by queue and result (succeeded, failed); by job class (job_name) with MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS',
      labelNames: ['queue', 'job_name', 'result'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'subspace_job_duration_seconds',
      help: 'Time a job try took, by queue (and job_name when detailed)',
      labelNames: ['queue', 'job_name'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.deliveries = new Counter({
      name: 'subspace_federation_deliveries_total',
      help: `Delivery tries of activities to other servers, by domain (the first ${MAX_DELIVERY_DOMAINS}, then "other") and result (delivered, failed and retried, refused for good)`,
      labelNames: ['domain', 'result'],
      registers,
    });
    this.inboundActivities = new Counter({ name: 'subspace_federation_inbound_activities_total', help: 'Activities from other servers processed, by type', labelNames: ['type'], registers });
    this.queryDuration = new Histogram({ name: 'subspace_db_query_duration_seconds', help: 'Time a database statement took', buckets: QUERY_BUCKETS, registers });
    this.#gauges(registers);
    if (config.statsd) {
      this.statsd = new StatsdClient(config.statsd);
      this.#gaugeTimer = setInterval(() => void this.sendStatsdGauges(), STATSD_GAUGE_MS);
      this.#gaugeTimer.unref();
    }
  }

  /** Sends the gauges' current figures to StatsD (every ten seconds). */
  async sendStatsdGauges(): Promise<void> {
    const statsd = this.statsd;
    if (!statsd) return;
    const queues = await this.#sources.queueStats?.().catch(() => undefined);
    for (const [queue, stats] of Object.entries(queues ?? {})) {
      const name = `sidekiq.queues.${statsdKey(queue)}`;
      statsd.gauge(`${name}.enqueued`, stats.size);
      statsd.gauge(`${name}.latency`, stats.latencySeconds);
      statsd.gauge(`${name}.retries`, stats.retries);
      statsd.gauge(`${name}.dead`, stats.dead);
    }
    const streaming = this.#sources.streaming?.();
    if (streaming) statsd.gauge('streaming.connections', streaming.connections);
    for (const [state, value] of Object.entries(this.#sources.databasePool?.() ?? {})) statsd.gauge(`db.pool.${state}`, value);
  }

  /** Stops sending to StatsD, after sending what is buffered. */
  async close(): Promise<void> {
    clearInterval(this.#gaugeTimer);
    await this.statsd?.close();
  }

  /** One database statement. */
  observeQuery(seconds: number): void {
    this.queryDuration.observe(seconds);
    this.statsd?.timing('db.query.duration', seconds * 1000);
  }

  /** Gives the gauges where to read their figures (the roles this process runs call it). */
  addSources(sources: MetricSources): void {
    Object.assign(this.#sources, sources);
  }

  #gauges(registers: Registry[]) {
    const sources = this.#sources;
    const queueGauge = (name: string, help: string, pick: (stats: QueueStats) => number) => ({ name, help, pick });
    const queueFigures = [
      queueGauge('subspace_queue_size', 'Jobs waiting, scheduled or running, per queue', (stats) => stats.size),
      queueGauge('subspace_queue_latency_seconds', 'How long the oldest job ready to run has waited, per queue', (stats) => stats.latencySeconds),
      queueGauge('subspace_queue_retries', 'Jobs that failed and wait to be retried, per queue', (stats) => stats.retries),
      queueGauge('subspace_queue_dead', 'Jobs out of attempts (the dead set), per queue', (stats) => stats.dead),
    ];
    // one read of the queues serves the four gauges of a scrape
    let pending: Promise<Record<QueueName, QueueStats> | undefined> | undefined;
    const readQueues = () => {
      pending ??= (sources.queueStats?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    for (const figure of queueFigures) {
      new Gauge({
        name: figure.name,
        help: figure.help,
        labelNames: ['queue'],
        registers,
        async collect() {
          this.reset();
          const stats = await readQueues();
          if (stats) for (const [queue, values] of Object.entries(stats)) this.set({ queue }, figure.pick(values));
        },
      });
    }
    new Gauge({
      name: 'subspace_streaming_connections',
      help: 'Open streaming connections (WebSocket and Server-Sent Events)',
      registers,
      collect() {
        this.set(sources.streaming?.().connections ?? 0);
      },
    });
    new Gauge({
      name: 'subspace_streaming_subscriptions',
      help: 'Streams subscribed to by open connections, per stream (user, public:local, hashtag…)',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const [stream, count] of sources.streaming?.().subscriptions ?? []) this.set({ stream }, count);
      },
    });
    new Gauge({
      name: 'subspace_db_pool_connections',
      help: 'PostgreSQL pool: connections open (total), idle, and queries waiting for one (absent with the embedded database)',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const pool = sources.databasePool?.();
        if (pool) for (const [state, value] of Object.entries(pool)) this.set({ state }, value);
      },
    });
    new Gauge({
      name: 'subspace_redis_up',
      help: 'Whether each Redis connection of this process is up (1) or not (0)',
      labelNames: ['client'],
      registers,
      collect() {
        this.reset();
        for (const client of sources.redisClients?.() ?? []) this.set({ client: client.name }, client.up ? 1 : 0);
      },
    });
    new Counter({
      name: 'subspace_redis_errors_total',
      help: 'Errors met by each Redis connection of this process (a lost connection, a refused command)',
      labelNames: ['client'],
      registers,
      collect() {
        this.reset();
        for (const client of sources.redisClients?.() ?? []) this.inc({ client: client.name }, client.errors);
      },
    });
  }

  /** One HTTP response: `route` is the route's pattern (`/api/v1/statuses/:id`), never the URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let children = this.#routes.get(key);
    if (!children) {
      const routeName =
        route
          .split('/')
          .filter(Boolean)
          .map((part) => statsdKey(part))
          .join('.') || 'root';
      children = {
        statsdName: `web.${routeName}.${method.toLowerCase()}`,
        statuses: new Map(),
        latency: this.config.webDetailed ? this.httpDuration.labels(method, route) : undefined,
      };
      this.#routes.set(key, children);
    }
    let counter = children.statuses.get(status);
    if (!counter) {
      counter = this.httpRequests.labels(method, route, String(status));
      children.statuses.set(status, counter);
    }
    counter.inc();
    if (children.latency) children.latency.observe(seconds);
    else this.httpDuration.observe(seconds);
    if (this.statsd) {
      this.statsd.timing(`${children.statsdName}.total_duration`, seconds * 1000);
      this.statsd.increment(`${children.statsdName}.status.${status}`);
    }
  }

  /** One job try. */
  observeJob(queue: string, job: string, succeeded: boolean, seconds: number): void {
    // `job_name`, as Mastodon's exporter names it: Prometheus keeps `job` for the scrape job
    const name = this.config.sidekiqDetailed ? job : '';
    this.jobs.inc({ queue, job_name: name, result: succeeded ? 'succeeded' : 'failed' });
    this.jobDuration.observe({ queue, job_name: name }, seconds);
    if (this.statsd) {
      const jobName = `sidekiq.${statsdKey(job)}`;
      this.statsd.timing(`${jobName}.processing_time`, seconds * 1000);
      this.statsd.increment(`${jobName}.${succeeded ? 'success' : 'failure'}`);
    }
  }

  /** One delivery try to `domain`: delivered, failed (to be retried), or refused for good (a 4xx). */
  observeDelivery(domain: string, result: 'delivered' | 'failed' | 'refused'): void {
    if (!this.#deliveryDomains.has(domain) && this.#deliveryDomains.size < MAX_DELIVERY_DOMAINS) this.#deliveryDomains.add(domain);
    this.deliveries.inc({ domain: this.#deliveryDomains.has(domain) ? domain : 'other', result });
    this.statsd?.increment(`federation.deliveries.${result}`);
  }

  /** `handler`, with each job try counted and timed. */
  instrumentJobs(handler: JobHandler): JobHandler {
    return async (job) => {
      const started = performance.now();
      let succeeded = false;
      try {
        await handler(job);
        succeeded = true;
      } finally {
        this.observeJob(job.queue, job.name, succeeded, (performance.now() - started) / 1000);
      }
    };
  }

  /** One inbound activity taken for processing. */
  observeInboundActivity(type: unknown): void {
    const name = typeof type === 'string' && ACTIVITY_TYPES.has(type) ? type : 'other';
    this.inboundActivities.inc({ type: name });
    this.statsd?.increment(`federation.inbound.${name}`);
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
