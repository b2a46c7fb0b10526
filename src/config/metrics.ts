import { ConfigError } from './errors.ts';
import { bool, int, str, url, type Env } from './values.ts';

/**
 * The Prometheus exporter, switched on and placed with Mastodon's own variables so that a scrape
 * configuration written for Mastodon keeps working. Subspace always runs the exporter in the role's
 * own process (Mastodon's `MASTODON_PROMETHEUS_EXPORTER_LOCAL=true`): there is no separate collector.
 */
export interface MetricsConfig {
  /** `MASTODON_PROMETHEUS_EXPORTER_ENABLED` */
  enabled: boolean;
  /** `MASTODON_PROMETHEUS_EXPORTER_LOCAL`: accepted; Subspace's exporter is always in-process */
  local: boolean;
  /** `MASTODON_PROMETHEUS_EXPORTER_HOST` (localhost): the address the exporter listens on */
  host: string;
  /** `MASTODON_PROMETHEUS_EXPORTER_PORT` (9394): the exporter's port, plus the role's offset (see exporterPort) */
  port: number;
  /** `MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS`: latency histograms per route */
  webDetailed: boolean;
  /** `MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS`: job figures per job class, deliveries per domain */
  sidekiqDetailed: boolean;
  /** `STATSD_ADDR` (`host:port`) and `STATSD_NAMESPACE` (`Mastodon.production`): the same figures sent to StatsD over UDP */
  statsd?: { host: string; port: number; namespace: string };
}

/** `STATSD_ADDR`: `host:port` (port 8125 when left out), `[v6]:port` for an IPv6 address. */
function statsdFromEnv(env: Env): MetricsConfig['statsd'] {
  const addr = str(env, 'STATSD_ADDR');
  if (!addr) return undefined;
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?$/i.exec(addr);
  const port = Number(match?.[3] ?? 8125);
  if (!match || port < 1 || port > 65535) throw new ConfigError('STATSD_ADDR', `must be host:port, got "${addr}"`);
  return { host: match[1] ?? match[2]!, port, namespace: str(env, 'STATSD_NAMESPACE') ?? 'Mastodon.production' };
}

export function metricsFromEnv(env: Env): MetricsConfig {
  const statsd = statsdFromEnv(env);
  return {
    enabled: bool(env, 'MASTODON_PROMETHEUS_EXPORTER_ENABLED', false),
    local: bool(env, 'MASTODON_PROMETHEUS_EXPORTER_LOCAL', false),
    host: str(env, 'MASTODON_PROMETHEUS_EXPORTER_HOST') ?? 'localhost',
    port: int(env, 'MASTODON_PROMETHEUS_EXPORTER_PORT', 9394, 0, 65535),
    webDetailed: bool(env, 'MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS', false),
    sidekiqDetailed: bool(env, 'MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS', false),
    ...(statsd && { statsd }),
  };
}

/** `STATUS_PAGE_URL`: the instance's status page, shown as `configuration.urls.status` in /api/v2/instance. */
export function statusPageUrl(env: Env): string | undefined {
  return url(env, 'STATUS_PAGE_URL', ['http:', 'https:']);
}
