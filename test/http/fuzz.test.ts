import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import qs from 'qs';
import { sql } from 'drizzle-orm';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * Every route, every parameter a route reads somewhere, filled with hostile values: none may be
 * answered 500 or left hanging, and values refused as a whole (NUL bytes) change nothing.
 */

interface Route {
  method: string;
  path: string;
}

/** The app's routes, read from Fastify's route tree (`printRoutes` without common prefixes). */
function routesOf(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push({ method, path: stack.join('') });
  }
  return routes;
}

const PARAM_NAMES = (
  'access_token account_alias account_id account_ids account_migration acct agreement alias all any bot category choices client_id ' +
  'client_name client_secret code code_challenge code_challenge_method code_verifier comment context cursor discoverable display_name ' +
  'domain duration email exclude_reblogs exclude_replies exclude_types exclude_unreviewed exclusive expand_accounts expires_at expires_in ' +
  'fields_attributes filter_action following force_login forward forward_to_domains grant_type group_key grouped_types hide_collections ' +
  'hide_totals id ids in_reply_to_id indexable irreversible keyword keywords_attributes statuses_attributes language languages limit list local locale ' +
  'locked max_id media_ids min_id multiple name none note notification_group_key notifications notify obfuscate offset only_media options ' +
  'order password phrase pinned poll privacy private_comment public_comment q reason reblogs redirect_uri redirect_uris register ' +
  'reject_media reject_reports remote replace replies_policy resolve response_type return_to rule_ids scheduled_at scope scopes sensitive ' +
  'severity since_id source spoiler_text state status status_id status_ids stream tag tagged target_account_id text timeline title token ' +
  'type types uid username value visibility website whole_word with_dismissed with_suspended filter_notifications_from_strangers ' +
  'for_not_following for_not_followers for_new_accounts for_private_mentions for_limited_accounts home'
).split(' ');

/** Parameters that hold others, filled inside too. */
const nested = (bad: unknown) => ({
  poll: { options: [bad, bad], expires_in: bad, multiple: bad, hide_totals: bad },
  source: { privacy: bad, sensitive: bad, language: bad, indexable: bad, attribution_domains: [bad] },
  fields_attributes: [{ name: bad, value: bad }],
  keywords_attributes: [{ id: bad, keyword: bad, whole_word: bad, _destroy: bad }],
  statuses_attributes: [{ id: bad, status_id: bad, _destroy: bad }],
  home: { last_read_id: bad },
  notifications: { last_read_id: bad },
  context: [bad],
  types: [bad],
  exclude_types: [bad],
  grouped_types: [bad],
  media_ids: [bad],
  account_ids: [bad],
  status_ids: [bad],
  rule_ids: [bad],
  choices: [bad],
  languages: [bad],
  ids: [bad],
  id: [bad],
});

const BAD_VALUES: [string, unknown][] = [
  ['list', ['1', '2']],
  ['hash', { a: '1', b: { c: '2' } }],
  ['huge number', '99999999999999999999999999999'],
  ['negative', '-1'],
  ['far date', '+099999-01-01T00:00:00Z'],
  ['junk', '2024-13-45T99:99:99Z x%zz\\\'"<>{}\u202e\uffff'],
  // over every length limit; in a query, as long as a URL may be
  ['long', 'a'.repeat(600)],
];
/** JSON's own types, a different one in each parameter */
const JSON_VALUES: unknown[] = [null, 1e308, -1, 0.5, true, false, [[['x']]], { x: { y: 1 } }, ''];

/** Bodies every route reads the same way; the others go to a few routes only. */
const RAW_BODIES: [string, string, string][] = [
  ['JSON list', 'application/json', '[1, 2]'],
  ['JSON string', 'application/json', '"x"'],
  ['JSON null', 'application/json', 'null'],
];
const RARE_RAW_BODIES: [string, string, string][] = [
  ['truncated JSON', 'application/json', '{"status": "x'],
  ['deep JSON', 'application/json', '['.repeat(5000) + ']'.repeat(5000)],
  ['bad form', 'application/x-www-form-urlencoded', 'status=%zz&a[=1&b]=2&c[][]=&d[a][b][c][d][e][f][g]=1'],
  ['form conflicts', 'application/x-www-form-urlencoded', 'poll=1&poll[options][]=a&media_ids=1&media_ids[]=2'],
  ['plain text', 'text/plain', 'hello'],
  ['xml', 'application/xml', '<a/>'],
  ['multipart without boundary', 'multipart/form-data', '--x\r\n\r\n'],
  ['multipart cut short', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="status"\r\n\r\nhi'],
  ['unknown charset', 'application/json; charset=ebcdic', '{}'],
];
const RARE_ROUTES = new Set(['POST /api/v1/statuses', 'PATCH /api/v1/accounts/update_credentials', 'POST /oauth/token', 'POST /inbox', 'POST /api/v2/filters']);

const RAW_QUERIES = ['%zz=1&limit=%E0%A4%A&a[=1&q=%ff%fe', 'max_id[]=1&max_id[a]=2&limit=1&limit=2&x[a][b][c][d][e][f][g][h]=1'];
const PATH_VALUES = ['99999999999999999999999', '-1', 'a'.repeat(3000), '%zz', '%ED%A0%80', '%2F'];

describe('fuzzing every route', () => {
  let instance: TestInstance;
  let owner: TestUser;
  let other: TestUser;
  let routes: Route[];
  const ids: Record<string, string> = {};
  const failures: string[] = [];

  before(async () => {
    instance = await startInstance();
    owner = await instance.createUser('owner', { role: 'Owner', scopes: 'read write follow push profile admin:read admin:write' });
    other = await instance.createUser('other');
    const post = async (path: string, json: unknown, token = owner.token) => (await instance.request('POST', path, { token, json })).body;
    ids.status = (await post('/api/v1/statuses', { status: 'hello #fuzz @other' })).id;
    const poll = await post('/api/v1/statuses', { status: 'poll', poll: { options: ['a', 'b'], expires_in: 600 } }, other.token);
    ids.poll = poll.poll.id;
    ids.list = (await post('/api/v1/lists', { title: 'list' })).id;
    const filter = await post('/api/v2/filters', { title: 'f', context: ['home'], keywords_attributes: [{ keyword: 'k' }] });
    ids.filter = filter.id;
    ids.keyword = filter.keywords[0].id;
    ids.filterV1 = (await post('/api/v1/filters', { phrase: 'p', context: ['home'] })).id;
    ids.scheduled = (await post('/api/v1/statuses', { status: 'later', scheduled_at: new Date(Date.now() + 3_600_000).toISOString() })).id;
    routes = routesOf(instance.app!.printRoutes({ commonPrefix: false }))
      // destructive routes last, so the others still find their records
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  });
  after(() => instance.close());

  /** Path params filled with records that exist where the route names one, or with `value`. */
  function fillPath(path: string, value?: string): string {
    const idFor = (): string => {
      if (path.startsWith('/api/v1/statuses') || path.startsWith('/users/:username/statuses') || path.startsWith('/@')) return ids.status!;
      if (path.startsWith('/api/v1/accounts') || path.startsWith('/api/v1/suggestions') || path.startsWith('/api/v1/follow_requests')) return other.accountId;
      if (path.includes('/lists/') || path.includes('/timelines/list/')) return ids.list!;
      if (path.startsWith('/api/v2/filters/keywords')) return ids.keyword!;
      if (path.startsWith('/api/v2/filters')) return ids.filter!;
      if (path.startsWith('/api/v1/filters')) return ids.filterV1!;
      if (path.startsWith('/api/v1/polls')) return ids.poll!;
      if (path.startsWith('/api/v1/scheduled_statuses')) return ids.scheduled!;
      return '1';
    };
    return path.replace(/:(\w+)(\|:\w+)*|\*/g, (param) => {
      if (value !== undefined) return value;
      if (param === ':username') return 'owner';
      if (param === ':hashtag' || (param === ':id' && path.startsWith('/api/v1/tags'))) return 'fuzz';
      if (param === ':name') return '%F0%9F%91%8D';
      return idFor();
    });
  }

  async function send(route: Route, path: string, init: { query?: string; contentType?: string; body?: string }, what: string) {
    const url = new URL(path, instance.url);
    if (init.query) url.search = init.query;
    const headers: Record<string, string> = { authorization: `Bearer ${owner.token}` };
    if (init.contentType) headers['content-type'] = init.contentType;
    const label = `${route.method} ${route.path} ${what}`;
    try {
      const response = await fetch(url, { method: route.method, headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        await response.body?.cancel();
      } else {
        await response.arrayBuffer();
      }
      if (response.status >= 500) failures.push(`${label}: ${response.status}`);
      return response.status;
    } catch (error) {
      failures.push(`${label}: ${(error as Error).name} ${(error as Error).message}`);
      return 0;
    }
  }

  async function sendParams(route: Route, values: Record<string, unknown>, what: string, path = fillPath(route.path)) {
    const statuses: number[] = [];
    if (route.method === 'GET' || route.method === 'DELETE') {
      statuses.push(await send(route, path, { query: qs.stringify(values) }, `${what} (query)`));
    }
    if (route.method !== 'GET') {
      statuses.push(await send(route, path, { contentType: 'application/json', body: JSON.stringify(values) }, `${what} (JSON)`));
      statuses.push(await send(route, path, { contentType: 'application/x-www-form-urlencoded', body: qs.stringify(values) }, `${what} (form)`));
    }
    return statuses;
  }

  /** waits for the jobs the setup queued, but the poll's expiry (delayed) */
  async function jobsDone() {
    for (;;) {
      const counts = await instance.ctx.queue.counts();
      if (Object.values(counts).reduce((sum, n) => sum + n, 0) <= 1) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const everyParam = (value: unknown) => Object.fromEntries(PARAM_NAMES.map((name) => [name, value]));

  it('refuses NUL bytes anywhere with a 400 that changes nothing', { timeout: 300_000 }, async () => {
    // keys are made when first asked for, by whatever federation request comes first
    const ROW = `(to_jsonb(t) - ARRAY['private_key_pem', 'public_key_pem', 'ed25519_private_key_pem', 'ed25519_public_key_pem'])::text`;
    const fingerprint = async () => {
      const tables = [
        'statuses',
        'accounts',
        'lists',
        'custom_filters',
        'custom_filter_keywords',
        'follows',
        'blocks',
        'mutes',
        'scheduled_statuses',
        'oauth_access_tokens',
        'markers',
        'tag_follows',
        'featured_tags',
        'users',
        'reports',
        'domain_blocks',
        'account_domain_blocks',
        'poll_votes',
      ];
      const counts: Record<string, unknown> = {};
      for (const table of tables) {
        const result = await instance.ctx.db.execute(sql.raw(`SELECT count(*)::int AS n, md5(coalesce(string_agg(${ROW}, ',' ORDER BY ${ROW}), '')) AS h FROM ${table} t`));
        counts[table] = (result as unknown as { rows: unknown[] }).rows[0];
      }
      return counts;
    };
    await jobsDone();
    const before = await fingerprint();
    const accepted: string[] = [];
    for (const route of routes) {
      if (route.path.startsWith('/api/v1/streaming')) continue;
      const statuses = [
        ...(await sendParams(route, everyParam('bad\u0000'), 'every param NUL')),
        ...(await sendParams(route, nested('bad\u0000'), 'nested params NUL')),
        ...(await sendParams(route, { 'bad\u0000key': '1' }, 'NUL in a key')),
      ];
      for (const status of statuses) if (status !== 400 && status !== 404 && status !== 401 && status !== 403) accepted.push(`${route.method} ${route.path}: ${status}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(accepted, []);
    assert.deepEqual(await fingerprint(), before);
  });

  async function fuzz(route: Route) {
    const path = fillPath(route.path);
    for (const [what, value] of BAD_VALUES) {
      const values = { ...everyParam(value), ...nested(value) };
      if (route.method === 'GET' || route.method === 'DELETE') {
        const inQuery = what === 'long' ? { ...everyParam('a'.repeat(80)), ...nested('a'.repeat(80)) } : values;
        await send(route, path, { query: qs.stringify(inQuery) }, `${what} (query)`);
      }
      if (route.method !== 'GET') await send(route, path, { contentType: 'application/json', body: JSON.stringify(values) }, `${what} (JSON)`);
      if (route.method !== 'GET' && typeof value === 'object') await send(route, path, { contentType: 'application/x-www-form-urlencoded', body: qs.stringify(values) }, `${what} (form)`);
    }
    if (route.method !== 'GET') {
      for (let shift = 0; shift < JSON_VALUES.length; shift += 3) {
        const values = Object.fromEntries(PARAM_NAMES.map((name, i) => [name, JSON_VALUES[(i + shift) % JSON_VALUES.length]]));
        await send(route, path, { contentType: 'application/json', body: JSON.stringify(values) }, `JSON types (${shift})`);
      }
      const bodies = RARE_ROUTES.has(`${route.method} ${route.path}`) ? [...RAW_BODIES, ...RARE_RAW_BODIES] : RAW_BODIES;
      for (const [what, contentType, body] of bodies) await send(route, path, { contentType, body }, what);
    }
    for (const query of RAW_QUERIES) await send(route, path, { query }, `query ${query}`);
    if (/[:*]/.test(route.path)) {
      for (const value of PATH_VALUES) await send(route, fillPath(route.path, value), {}, `path ${value.slice(0, 20)}`);
    }
  }

  it('answers no hostile parameter with a 500 or a hang', { timeout: 600_000 }, async () => {
    // three at a time, the destructive ones after the others
    for (const batch of [routes.filter((route) => route.method !== 'DELETE'), routes.filter((route) => route.method === 'DELETE')]) {
      const queue = [...batch];
      const lane = async () => {
        for (let route = queue.shift(); route; route = queue.shift()) {
          const started = Date.now();
          await fuzz(route);
          if (process.env.FUZZ_VERBOSE) console.error(route.method, route.path, Date.now() - started, failures.length);
        }
      };
      await Promise.all([lane(), lane(), lane()]);
    }
    assert.deepEqual(failures, []);
  });
});
