import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import type { Progress } from '../../src/cli/progress.ts';
import { domainBlocks } from '../../src/db/schema.ts';
import { fabricateRemoteAccount } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

/** A server answering as Mastodon does (or as another software's NodeInfo), on its own loopback address. */
interface FakeServer {
  domain: string;
  requests: string[];
  server: Server;
}

async function startServer(address: string, routes: (domain: string) => Record<string, unknown>): Promise<FakeServer> {
  const requests: string[] = [];
  let answers: Record<string, unknown> = {};
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const answer = answers[request.url ?? ''];
    if (answer === undefined) return response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    response.writeHead(200, { 'content-type': 'application/json' }).end(typeof answer === 'string' ? answer : JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const domain = `${address}:${(server.address() as AddressInfo).port}`;
  answers = routes(domain);
  return { domain, requests, server };
}

const week = (logins: number, registrations: number) => ({ week: '1700000000', statuses: '10', logins: String(logins), registrations: String(registrations) });
const nodeinfo = (domain: string, name: string, total: number, activeMonth: number) => ({
  '/.well-known/nodeinfo': { links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `http://${domain}/nodeinfo/2.0` }] },
  '/nodeinfo/2.0': { version: '2.0', software: { name, version: '1.0.0' }, usage: { users: { total, activeMonth } } },
});

describe('subspace domains crawl (tootctl domains crawl)', () => {
  let instance: TestInstance;
  const servers: Record<'a' | 'b' | 'c' | 'd' | 'e', FakeServer> = {} as never;

  before(async () => {
    // each on its own loopback address, so that a domain block can name one
    servers.e = await startServer('127.0.0.5', (domain) => ({
      '/api/v1/instance': { uri: domain, stats: { user_count: 1000 } },
      '/api/v1/instance/peers': [],
      '/api/v1/instance/activity': [week(1, 1), week(500, 50), week(1, 1)],
    }));
    servers.d = await startServer('127.0.0.4', (domain) => nodeinfo(domain, 'Pleroma', 7, 3));
    // an /api/v1/instance too large to read and no NodeInfo: it fails
    servers.c = await startServer('127.0.0.3', () => ({ '/api/v1/instance': JSON.stringify({ padding: 'x'.repeat(300 * 1024) }) }));
    servers.b = await startServer('127.0.0.2', (domain) => ({
      '/api/v1/instance': { uri: domain, stats: { user_count: 20 } },
      '/api/v1/instance/peers': [servers.d.domain, servers.e.domain, domain],
      '/api/v1/instance/activity': [week(1, 1), week(4, 1), week(1, 1)],
    }));
    servers.a = await startServer('127.0.0.1', (domain) => ({
      '/api/v1/instance': { uri: domain, stats: { user_count: 100 } },
      '/api/v1/instance/peers': [servers.b.domain, servers.c.domain, '10.1.2.3', 'not a/domain', { domain: 'object.example' }, domain.toUpperCase()],
      '/api/v1/instance/activity': [week(1, 1), week(40, 5), week(1, 1)],
      ...nodeinfo(domain, 'mastodon', 100, 60),
    }));
    instance = await startInstance({ roles: { web: true }, env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' } });
  });
  after(async () => {
    await instance?.close();
    for (const fake of Object.values(servers)) await new Promise((resolve) => fake.server.close(resolve));
  });

  const run = (argv: string[], progress?: Progress) => runAdminCommand(instance.ctx, ['domains', 'crawl', ...argv], progress);

  it('answers --help and refuses bad options', async () => {
    const help = await run(['--help']);
    assert.equal(help.exitCode, 0);
    assert.match(help.stdout, /subspace domains crawl \[START\]/);
    assert.equal((await run(['--format', 'xml'])).exitCode, 2);
    assert.equal((await run(['--concurrency', '0'])).exitCode, 2);
    assert.equal((await run(['a.example', 'b.example'])).exitCode, 2);
    assert.equal((await run(['https://a.example/'])).exitCode, 2);
  });

  it('crawls from START through the peers and prints the totals, software included; never a private address nor a bad name', async () => {
    const events: string[] = [];
    const progress: Progress = {
      start: (total) => events.push(`start ${total}`),
      setTotal: (total) => events.push(`total ${total}`),
      increment: () => events.push('increment'),
      stop: () => events.push('stop'),
    };
    const result = await run([servers.a.domain, '--concurrency', '2'], progress);
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^Visited 6 domains, 2 failed \(\d+s elapsed\)$/, 'a, b, c, d, e and 10.1.2.3; c and 10.1.2.3 failed');
    assert.deepEqual(lines.slice(1), [
      'Total servers: 4',
      'Total registered: 1127',
      'Total active last week: 544',
      'Total joined last week: 56',
      'Total active last month: 63',
      'Software: unknown 2, mastodon 1, pleroma 1',
    ]);
    assert.deepEqual(events.at(0), 'start 1');
    assert.equal(events.filter((event) => event === 'increment').length, 6);
    assert.ok(events.includes('total 6'));
    assert.equal(events.at(-1), 'stop');
    assert.equal(servers.a.requests.filter((url) => url === '/api/v1/instance').length, 1, 'each server visited once');
    assert.deepEqual(servers.c.requests.includes('/api/v1/instance/activity'), false);
  });

  it('seeds from the servers this one knows; --exclude-suspended skips suspended domains; --format domains and json', async () => {
    await fabricateRemoteAccount(instance.ctx, { domain: servers.b.domain });
    await instance.ctx.db.insert(domainBlocks).values({ domain: '127.0.0.5', severity: 'suspend' });
    const before = servers.e.requests.length;
    const domains = await run(['--format', 'domains', '-x']);
    assert.equal(domains.exitCode, 0, domains.stderr);
    assert.deepEqual(domains.stdout.trim().split('\n').sort(), [servers.b.domain, servers.d.domain].sort());
    assert.equal(servers.e.requests.length, before, 'the suspended server is not asked');

    const json = await run([servers.d.domain, '--format', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), { [servers.d.domain]: { software: 'pleroma', softwareVersion: '1.0.0', users: 7, activeMonth: 3 } });
  });
});
