import type { Server } from 'node:http';
import { createServer } from '../lib/node-http.ts';
import type { AppContext } from '../context.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { readiness } from '../services/instance/readiness.ts';
import type { Roles } from './boot.ts';

/**
 * Each role process serves its metrics on a listener of its own (never on the public web port),
 * at MASTODON_PROMETHEUS_EXPORTER_HOST and MASTODON_PROMETHEUS_EXPORTER_PORT plus the role's offset,
 * so that the roles of one machine do not take the same port: web 9394, streaming 9395, worker 9396,
 * scheduler 9397 by default. A process running several roles (`subspace start`) serves all their
 * metrics on the port itself. Several processes of one role on a machine (two workers) each need
 * their own MASTODON_PROMETHEUS_EXPORTER_PORT. Port 0 picks a free port.
 */
export const ROLE_PORT_OFFSETS = { web: 0, streaming: 1, worker: 2, scheduler: 3 } as const;

export function exporterPort(basePort: number, roles: Roles): number {
  const running = (Object.keys(ROLE_PORT_OFFSETS) as (keyof typeof ROLE_PORT_OFFSETS)[]).filter((role) => roles[role]);
  if (basePort === 0 || running.length !== 1) return basePort;
  return basePort + ROLE_PORT_OFFSETS[running[0]!];
}

export interface MetricsExporter {
  /** e.g. http://127.0.0.1:9394 */
  url: string;
  close(): Promise<void>;
}

/**
 * The exporter's listener: `GET /metrics` (Prometheus' text format), `GET /health` (liveness: the
 * process answers) and `GET /health/ready` (the readiness check), for the probes of the roles that
 * have no HTTP port of their own: worker and scheduler.
 */
export async function startMetricsExporter(ctx: AppContext, metrics: Metrics, roles: Roles): Promise<MetricsExporter> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.exposition().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
        (error: unknown) => {
          ctx.log.warn({ err: error }, 'could not collect the metrics');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect the metrics\n');
        },
      );
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('OK');
      return;
    }
    if (path === '/health/ready') {
      void readiness(ctx).then((state) => {
        const body = JSON.stringify({ status: state.ready ? 'ready' : 'unavailable', ...state.checks, failed: state.failed });
        response.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      });
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics, /health and /health/ready are served here\n');
  });
  const { host } = metrics.config;
  const port = exporterPort(metrics.config.port, roles);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
