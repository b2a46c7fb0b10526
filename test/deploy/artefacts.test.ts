import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { MEDIA_UPLOAD_SIZE } from '../../src/http/plugins/params.ts';
import { checkInvocation, httpPort, MASTODON_QUEUE_GROUPS, metricsPort, QUEUE_NAMES, unknownVariables } from './code-facts.ts';
import { nginxFind, nginxValue, parseAssignments, parseDockerfile, parseNginx, parseSystemdUnit, systemdEnvironment, type NginxDirective } from './parsers.ts';

/**
 * The deploy artefacts (Dockerfile, docker-compose.yml, deploy/kubernetes, deploy/systemd,
 * deploy/nginx), parsed: every `subspace` command they run exists and takes the arguments given,
 * every variable they set is one Subspace reads, every port is the one the role listens on, every
 * queue exists and Mastodon's queue split is covered. No container engine runs here.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const sortedQueues = (groups: string[][]) => groups.map((group) => [...group].sort().join(',')).sort();

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const stages = Math.max(...instructions.map((instruction) => instruction.stage)) + 1;
  const final = instructions.filter((instruction) => instruction.stage === stages - 1);
  const args = Object.assign({}, ...instructions.filter((instruction) => instruction.keyword === 'ARG').map((instruction) => parseAssignments(instruction.value))) as Record<string, string>;

  test('is multi-stage on Node 24, with npm ci and the client build in the build stage', () => {
    assert.ok(stages >= 2, 'a build stage and a run stage');
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    for (const from of instructions.filter((instruction) => instruction.keyword === 'FROM')) {
      const image = from.value.split(/\s+/)[0]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
      assert.match(image, /^node:24[-.]/, `${from.value}: the official Node 24 image`);
      assert.equal(engines, '>=24');
    }
    const build = instructions.filter((instruction) => instruction.stage === 0 && instruction.keyword === 'RUN').map((instruction) => instruction.value);
    assert.ok(build.some((run) => /\bnpm ci\b/.test(run)));
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.ok(
      build.some((run) => /npm run build:client/.test(run)) && scripts['build:client'] && scripts.prepare === 'npm run build:client',
      'the client is built (npm ci runs prepare, which builds it)',
    );
    assert.ok(
      build.some((run) => /npm prune --omit=dev/.test(run)),
      'dev dependencies stay out of what runs',
    );
  });

  test('runs as a user of its own, with ffmpeg, and only what runs in the final stage', () => {
    const user = final.filter((instruction) => instruction.keyword === 'USER').at(-1)?.value;
    assert.ok(user && !['root', '0'].includes(user), `USER ${user}`);
    assert.ok(final.some((instruction) => instruction.keyword === 'RUN' && /apt-get install[^&]*\bffmpeg\b/.test(instruction.value)));
    const env = Object.assign({}, ...final.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => parseAssignments(instruction.value))) as Record<string, string>;
    assert.deepEqual(unknownVariables(Object.keys(env)), []);
    assert.equal(env.FFMPEG_BINARY, '/usr/bin/ffmpeg');
    const workdir = final.find((instruction) => instruction.keyword === 'WORKDIR')!.value;
    for (const copy of final.filter((instruction) => instruction.keyword === 'COPY')) {
      assert.match(copy.value, /--from=build/, `${copy.value}: the run stage takes only the build's output`);
      const [source] = copy.value.split(/\s+/).filter((word) => !word.startsWith('--'));
      const path = source!.replace(`${workdir}/`, '');
      assert.ok(path === 'client/dist' || path === 'node_modules' || existsSync(join(ROOT, path)), `${path} exists in the repository`);
    }
    assert.ok(!final.some((instruction) => instruction.keyword === 'COPY' && /\s(test|bench|client\/src)\b/.test(instruction.value)));
    const entrypoint = JSON.parse(final.find((instruction) => instruction.keyword === 'ENTRYPOINT')!.value) as string[];
    assert.equal(entrypoint.at(-1), `${workdir}/bin/subspace`);
    assert.ok(existsSync(join(ROOT, 'bin/subspace')));
    checkInvocation(JSON.parse(final.find((instruction) => instruction.keyword === 'CMD')!.value) as string[]);
    const exposed = final
      .filter((instruction) => instruction.keyword === 'EXPOSE')
      .flatMap((instruction) => instruction.value.split(/\s+/))
      .map(Number);
    assert.deepEqual(exposed, [httpPort({}), httpPort({ PORT: '4000' }), metricsPort(['web'], {})]);
    assert.equal(httpPort(env), httpPort({}), 'the image listens on the default port');
  });

  test('.dockerignore keeps node_modules, data and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const path of ['node_modules', 'data', '.env.production', '.git']) assert.ok(ignored.includes(path), path);
  });
});

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const subspace = Object.entries(compose.services).filter(([, service]) => service.image?.startsWith('subspace'));

  test('runs PostgreSQL, PgBouncer in transaction mode, Valkey, nginx and the migration', () => {
    const images = Object.values(compose.services).map((service) => service.image ?? '');
    for (const image of ['postgres:', 'pgbouncer', 'valkey/valkey:', 'nginx:'])
      assert.ok(
        images.some((name) => name.includes(image)),
        image,
      );
    const pgbouncer = Object.values(compose.services).find((service) => service.image?.includes('pgbouncer'))!;
    assert.equal(pgbouncer.environment?.POOL_MODE, 'transaction');
    const migrate = subspace.find(([, service]) => service.command?.join(' ') === 'db migrate');
    assert.ok(migrate, 'a migration one-shot');
    assert.equal(migrate[1].environment?.DB_HOST, 'db', 'migrations go straight to PostgreSQL');
    for (const [name, service] of subspace) {
      if (name === migrate[0]) continue;
      assert.equal(service.depends_on?.[migrate[0]]?.condition, 'service_completed_successfully', `${name} waits for the migration`);
      assert.equal(service.environment?.DB_HOST, 'pgbouncer');
      assert.equal(service.environment?.PREPARED_STATEMENTS, 'false', 'PgBouncer in transaction mode takes no prepared statements');
    }
  });

  test('runs each role with commands, variables and ports Subspace has', () => {
    const roles = new Set<string>();
    const workerGroups: string[][] = [];
    for (const [name, service] of subspace) {
      assert.ok(service.command, `${name} has a command`);
      const invocation = checkInvocation(service.command);
      assert.deepEqual(unknownVariables(Object.keys(service.environment ?? {})), [], name);
      if (!invocation.role) continue;
      roles.add(invocation.role);
      if (invocation.queues) workerGroups.push(invocation.queues);
      const exposed = (service.expose ?? []).map(Number);
      assert.ok(exposed.includes(metricsPort(service.command, service.environment ?? {})), `${name} exposes its exporter`);
      if (invocation.role === 'web' || invocation.role === 'streaming') {
        const port = httpPort(service.environment ?? {});
        assert.ok(exposed.includes(port), `${name} exposes ${port}`);
        assert.match(service.healthcheck!.test.join(' '), new RegExp(`http://127\\.0\\.0\\.1:${port}/health\\b`));
      }
    }
    assert.deepEqual([...roles].sort(), ['scheduler', 'streaming', 'web', 'worker']);
    assert.deepEqual(sortedQueues(workerGroups), sortedQueues(MASTODON_QUEUE_GROUPS));
  });

  test("nginx gets the site with the upstreams on the web and streaming services' ports", () => {
    const nginx = Object.values(compose.services).find((service) => service.image?.startsWith('nginx'))!;
    assert.ok(nginx.volumes?.some((volume) => volume.startsWith('./deploy/nginx/subspace.conf:')));
    const script = nginx.command!.join(' ');
    const web = compose.services.web!;
    const streaming = compose.services.streaming!;
    assert.match(script, new RegExp(`s/127\\.0\\.0\\.1:${systemdPort('web')}/web:${httpPort(web.environment ?? {})}/`));
    assert.match(script, new RegExp(`s/127\\.0\\.0\\.1:${systemdPort('streaming')}/streaming:${httpPort(streaming.environment ?? {})}/`));
  });
});

interface Container {
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template?: { metadata?: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } } };
    scaleTargetRef?: { kind: string; name: string };
    ports?: { targetPort: string }[];
  };
}

describe('deploy/kubernetes', () => {
  const dir = join(ROOT, 'deploy/kubernetes');
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const manifests = kustomization.resources.flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document) => document.toJS() as Manifest));
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const configMap = ofKind('ConfigMap')[0]!;
  const secret = ofKind('Secret')[0]!;
  const deployments = ofKind('Deployment');
  const podsOf = (manifest: Manifest) => manifest.spec.template!;
  const containerEnv = (container: Container): Record<string, string | undefined> => ({
    ...configMap.data,
    ...Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value])),
  });

  test('every manifest is listed in kustomization.yaml, and every variable is one Subspace reads', () => {
    const files = readdirSync(dir).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    assert.deepEqual([...files].sort(), [...kustomization.resources].sort());
    assert.deepEqual(unknownVariables(Object.keys(configMap.data!)), []);
    assert.deepEqual(unknownVariables(Object.keys(secret.stringData!)), []);
    assert.ok(secret.stringData!.SECRET_KEY_BASE && !configMap.data!.SECRET_KEY_BASE, 'secrets live in the Secret');
  });

  test('a Deployment per role and per queue group, with probes on /health and /health/ready, resources, and a non-root user', () => {
    const workerGroups: string[][] = [];
    const roles: string[] = [];
    for (const deployment of deployments) {
      const pod = podsOf(deployment);
      assert.deepEqual(deployment.spec.selector!.matchLabels, Object.fromEntries(Object.entries(pod.metadata!.labels).filter(([key]) => key in deployment.spec.selector!.matchLabels)));
      assert.ok(pod.spec.securityContext?.runAsNonRoot && pod.spec.securityContext.runAsUser !== 0);
      const [container] = pod.spec.containers;
      const invocation = checkInvocation(container!.args!);
      assert.ok(invocation.role, `${deployment.metadata.name} runs a role`);
      roles.push(invocation.role);
      if (invocation.queues) workerGroups.push(invocation.queues);
      for (const source of container!.envFrom!) assert.ok(source.configMapRef?.name === configMap.metadata.name || source.secretRef?.name === secret.metadata.name);
      const env = containerEnv(container!);
      assert.deepEqual(unknownVariables(Object.keys(env)), []);
      const ports = Object.fromEntries(container!.ports!.map((port) => [port.name, port.containerPort]));
      assert.equal(ports.metrics, metricsPort(container!.args!, env), `${deployment.metadata.name}: its exporter's port`);
      if (invocation.role === 'web' || invocation.role === 'streaming') assert.equal(ports.http, httpPort(env), `${deployment.metadata.name}: its port`);
      const probePort = ports.http ? 'http' : 'metrics';
      assert.deepEqual(container!.livenessProbe!.httpGet, { path: '/health', port: probePort });
      assert.deepEqual(container!.readinessProbe!.httpGet, { path: '/health/ready', port: probePort });
      if (probePort === 'metrics') assert.equal(env.MASTODON_PROMETHEUS_EXPORTER_ENABLED, 'true', 'the exporter answers the probes');
      assert.equal(env.MASTODON_PROMETHEUS_EXPORTER_HOST, '0.0.0.0', 'the kubelet reaches the exporter');
      assert.ok(container!.resources?.requests?.cpu && container!.resources.requests.memory && container!.resources.limits?.memory);
    }
    assert.deepEqual(sortedQueues(workerGroups), sortedQueues(MASTODON_QUEUE_GROUPS));
    assert.deepEqual(roles.filter((role) => role === 'scheduler').length, 1);
    const scheduler = deployments.find((deployment) => checkInvocation(podsOf(deployment).spec.containers[0]!.args!).role === 'scheduler')!;
    assert.equal(scheduler.spec.replicas, 1, 'one scheduler');
    const schedulerQueue = deployments.find((deployment) => podsOf(deployment).spec.containers[0]!.args!.join(' ').endsWith('--queues scheduler --concurrency 5'));
    assert.equal(schedulerQueue?.spec.replicas, 1, 'one worker of the scheduler queue');
  });

  test('HPAs for web, streaming and the workers, PodDisruptionBudgets that select pods, Services on named ports, the migration Job', () => {
    const byName = new Map(deployments.map((deployment) => [deployment.metadata.name, deployment]));
    const scaled = ofKind('HorizontalPodAutoscaler').map((hpa) => {
      assert.equal(hpa.spec.scaleTargetRef!.kind, 'Deployment');
      const target = byName.get(hpa.spec.scaleTargetRef!.name);
      assert.ok(target, `${hpa.metadata.name} scales a Deployment that exists`);
      return checkInvocation(podsOf(target).spec.containers[0]!.args!);
    });
    for (const role of ['web', 'streaming', 'worker'])
      assert.ok(
        scaled.some((invocation) => invocation.role === role),
        `an HPA for ${role}`,
      );
    assert.ok(!scaled.some((invocation) => invocation.role === 'scheduler' || invocation.queues?.includes('scheduler')), 'the scheduler is never scaled');
    const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    for (const pdb of ofKind('PodDisruptionBudget')) {
      assert.equal(deployments.filter((deployment) => selects(pdb.spec.selector!.matchLabels, podsOf(deployment).metadata!.labels)).length, 1, pdb.metadata.name);
    }
    for (const service of ofKind('Service')) {
      const selected = deployments.filter((deployment) => selects((service.spec as unknown as { selector: Record<string, string> }).selector, podsOf(deployment).metadata!.labels));
      assert.equal(selected.length, 1);
      const portNames = podsOf(selected[0]!).spec.containers[0]!.ports!.map((port) => port.name);
      for (const port of service.spec.ports!) assert.ok(portNames.includes(port.targetPort), `${service.metadata.name} → ${port.targetPort}`);
    }
    const [job] = ofKind('Job');
    assert.deepEqual(checkInvocation(job!.spec.template!.spec.containers[0]!.args!), { command: 'db' });
    assert.deepEqual(job!.spec.template!.spec.containers[0]!.args, ['db', 'migrate']);
  });
});

/** The PORT a systemd unit gives its role. */
function systemdPort(role: string): number {
  const unit = parseSystemdUnit(read(`deploy/systemd/subspace-${role}.service`));
  return httpPort(systemdEnvironment(unit.Service!.Environment ?? []));
}

describe('deploy/systemd', () => {
  const units = readdirSync(join(ROOT, 'deploy/systemd')).filter((file) => file.endsWith('.service'));

  test('one unit per role, running `subspace <role>` from the checkout as its own user', () => {
    const roles: string[] = [];
    const queues = new Set<string>();
    for (const file of units) {
      const unit = parseSystemdUnit(read(`deploy/systemd/${file}`));
      const service = unit.Service!;
      assert.equal(service.User?.[0], 'subspace');
      const [exec, ...args] = service.ExecStart![0]!.split(/\s+/);
      assert.equal(exec, `${service.WorkingDirectory![0]}/bin/subspace`);
      const invocation = checkInvocation(args);
      assert.ok(invocation.role, file);
      assert.equal(file, `subspace-${invocation.role}.service`);
      roles.push(invocation.role);
      for (const queue of invocation.queues ?? []) queues.add(queue);
      assert.deepEqual(unknownVariables(Object.keys(systemdEnvironment(service.Environment ?? []))), []);
      assert.equal(service.Restart?.[0], 'always');
      assert.deepEqual(unit.Install?.WantedBy, ['multi-user.target']);
    }
    assert.deepEqual(roles.sort(), ['scheduler', 'streaming', 'web', 'worker']);
    assert.deepEqual([...queues].sort(), [...QUEUE_NAMES].sort(), 'every queue is worked');
    assert.equal(systemdPort('web'), httpPort({}), 'the web role on the default port');
    assert.notEqual(systemdPort('streaming'), systemdPort('web'));
  });
});

describe('deploy/nginx/subspace.conf', () => {
  const site = parseNginx(read('deploy/nginx/subspace.conf'));
  const upstream = (name: string) => nginxFind(site, 'upstream').find((directive) => directive.args[0] === name)!;
  const servers = nginxFind(site, 'server').filter((directive) => directive.block);
  const tls = servers.find((server) => server.block!.some((directive) => directive.name === 'listen' && directive.args.includes('ssl')))!;
  const location = (path: string) => nginxFind(tls.block!, 'location').find((directive) => directive.args.at(-1) === path)!;
  const proxiesTo = (block: NginxDirective[]) => nginxValue(block, 'proxy_pass')?.[0]?.replace('http://', '');

  test('upstreams on the ports the systemd units give the web and streaming roles', () => {
    assert.deepEqual(nginxValue(upstream('subspace_web').block!, 'server')?.[0], `127.0.0.1:${systemdPort('web')}`);
    assert.deepEqual(nginxValue(upstream('subspace_streaming').block!, 'server')?.[0], `127.0.0.1:${systemdPort('streaming')}`);
  });

  test('TLS on 443, plain HTTP redirected to it', () => {
    assert.ok(nginxValue(tls.block!, 'ssl_certificate') && nginxValue(tls.block!, 'ssl_certificate_key'));
    const plain = servers.find((server) => server !== tls)!;
    const redirect = nginxFind(plain.block!, 'return')[0]!;
    assert.deepEqual(redirect.args, ['301', 'https://$host$request_uri']);
    assert.ok(Number(nginxValue(tls.block!, 'client_max_body_size')![0]!.replace(/m$/, '')) * 1024 * 1024 >= MEDIA_UPLOAD_SIZE, 'the largest upload passes');
  });

  test('the streaming API goes to the streaming role with the WebSocket upgrade; media are cached', () => {
    const streaming = location('/api/v1/streaming');
    assert.equal(proxiesTo(streaming.block!), 'subspace_streaming');
    const headers = nginxFind(streaming.block!, 'proxy_set_header').map((directive) => directive.args);
    assert.ok(headers.some(([name, value]) => name === 'Upgrade' && value === '$http_upgrade'));
    assert.ok(headers.some(([name, value]) => name === 'Connection' && value === '$connection_upgrade'));
    assert.ok(nginxFind(site, 'map').some((map) => map.args.join(' ') === '$http_upgrade $connection_upgrade'));
    const media = nginxFind(tls.block!, 'location').find((directive) => directive.args[0] === '~')!;
    assert.equal(proxiesTo(media.block!), 'subspace_web');
    assert.equal(
      nginxValue(media.block!, 'proxy_cache')?.[0],
      nginxFind(site, 'proxy_cache_path')[0]!
        .args.find((arg) => arg.startsWith('keys_zone='))!
        .split(/[=:]/)[1],
    );
    assert.equal(proxiesTo(location('/').block!), 'subspace_web');
  });
});
