import type { Backends } from './backends/index.ts';
import type { Config } from './config/index.ts';
import type { Database, DatabaseHandle } from './db/index.ts';
import type { Logger } from './lib/logger.ts';
import type { Metrics } from './metrics/metrics.ts';

/** Everything a service needs, handed down from the role that started the process. */
export interface AppContext extends Omit<Backends, 'close'> {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  log: Logger;
  /** the metrics, when MASTODON_PROMETHEUS_EXPORTER_ENABLED is on or STATSD_ADDR is set */
  metrics?: Metrics;
}
