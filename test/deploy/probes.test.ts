import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { QUEUE_NAMES } from '../../src/backends/queue/index.ts';
import { startInstance } from '../helpers/instance.ts';
import { ownAddress } from '../helpers/loopback.ts';
import { nginxFind, parseNginx } from './parsers.ts';

/** The paths the deploy artefacts' probes and nginx site name answer on a running instance of each role. */

const ROOT = new URL('../../', import.meta.url);

/** Every probe path the Kubernetes manifests name, per port name (`http`: the role's port, `metrics`: its exporter's). */
function probePaths(): { http: Set<string>; metrics: Set<string> } {
  const paths = { http: new Set<string>(), metrics: new Set<string>() };
  for (const file of ['web.yaml', 'streaming.yaml', 'workers.yaml', 'scheduler.yaml']) {
    for (const document of parseAllDocuments(readFileSync(new URL(`deploy/kubernetes/${file}`, ROOT), 'utf8'))) {
      const manifest = document.toJS() as { kind: string; spec: { template?: { spec: { containers: Record<string, { httpGet?: { path: string; port: 'http' | 'metrics' } }>[] } } } };
      if (manifest.kind !== 'Deployment') continue;
      for (const container of manifest.spec.template!.spec.containers) {
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const get = container[probe]?.httpGet;
          if (get) paths[get.port].add(get.path);
        }
      }
    }
  }
  return paths;
}

const ALL_QUEUES = { queues: [...QUEUE_NAMES], concurrency: 1 };

describe('probe paths on running roles', () => {
  const probes = probePaths();

  test('the web role answers its probes, and has the routes the nginx site caches', async () => {
    const instance = await startInstance({ roles: { web: true, streaming: true } });
    try {
      assert.ok(probes.http.size >= 2);
      for (const path of probes.http) assert.equal((await instance.request('GET', path)).status, 200, path);
      const site = parseNginx(readFileSync(new URL('deploy/nginx/subspace.conf', ROOT), 'utf8'));
      const cached = nginxFind(site, 'location').find((location) => location.args[0] === '~')!;
      const prefixes = /\^\/\((.+)\)\//.exec(cached.args[1]!)![1]!.split('|');
      assert.deepEqual(prefixes, ['system', 'web/assets', 'media_proxy']);
      const routes = ['/system/*', '/web/assets/:file', '/media_proxy/:id/*'];
      for (const route of routes) assert.ok(instance.app!.hasRoute({ method: 'GET', url: route }), route);
    } finally {
      await instance.close();
    }
  });

  test('the streaming role on its own answers its probes and the streaming API nginx sends it', async () => {
    const instance = await startInstance({ roles: { streaming: true } });
    try {
      for (const path of [...probes.http, '/api/v1/streaming/health']) assert.equal((await instance.request('GET', path)).status, 200, path);
    } finally {
      await instance.close();
    }
  });

  test("a worker's and the scheduler's exporters answer their probes", async () => {
    const env = { MASTODON_PROMETHEUS_EXPORTER_ENABLED: 'true', MASTODON_PROMETHEUS_EXPORTER_HOST: ownAddress(), MASTODON_PROMETHEUS_EXPORTER_PORT: '0' };
    for (const roles of [{ worker: ALL_QUEUES }, { scheduler: true }]) {
      const instance = await startInstance({ roles, env });
      try {
        assert.ok(instance.metricsUrl);
        assert.ok(probes.metrics.size >= 2);
        for (const path of probes.metrics) assert.equal((await fetch(`${instance.metricsUrl}${path}`)).status, 200, path);
      } finally {
        await instance.close();
      }
    }
  });
});
