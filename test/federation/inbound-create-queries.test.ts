import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { follows, statuses } from '../../src/db/schema.ts';
import { watchQueries } from '../../src/db/query-log.ts';
import { jobRunner } from '../../src/jobs/handlers.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';

/** Most statements the ingress job of a Create (a Note with a mention and a tag) may run, the jobs it queues not included. */
const PROCESSING_BOUND = 12;
/**
 * Most statements the ingress job and the jobs it queues in `default` may run together (the
 * Distribution: the feeds, the mention's notification; the link crawl waits in `pull`), with no
 * streaming process listening: nothing is rendered for streams nobody listens to.
 */
const WITH_DISTRIBUTION_BOUND = 27;
/** The queue's own polling and the test's waiting, which are not the activity's work. */
const QUEUE_POLLING = /^\s*(UPDATE jobs SET( state = 'running'|\s+state = CASE)|SELECT queue, count\(\*\))/;

let serial = 0;
function createMentioning(remote: FakeRemote, member: string) {
  const id = `${remote.actorId}/statuses/queries-${++serial}`;
  const published = new Date().toISOString();
  const href = `${BASE}/users/${member}`;
  const audience = { to: [PUBLIC], cc: [`${remote.actorId}/followers`, href] };
  return {
    '@context': [AS, { Hashtag: 'as:Hashtag' }],
    id: `${id}/activity`,
    type: 'Create',
    actor: remote.actorId,
    published,
    ...audience,
    object: {
      id,
      type: 'Note',
      attributedTo: remote.actorId,
      content: `<p><span class="h-card"><a href="${href}" class="u-url mention">@${member}</a></span> counted #queries</p>`,
      published,
      url: id,
      ...audience,
      tag: [
        { type: 'Mention', href, name: `@${member}@${new URL(BASE).host}` },
        { type: 'Hashtag', name: '#queries', href: `${remote.origin}/tags/queries` },
      ],
    },
  };
}

/**
 * The statements one inbound Create costs a worker, counted through the database's query hook (never
 * timed): the web tier only queues it here, and the ingress queue is worked for the count alone.
 */
describe('the statements of processing an inbound Create', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, roles: { web: true } });
    alice = await instance.createUser('alice');
    const found = await instance.request('GET', `/api/v2/search?q=@${remote.handle}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(found.body?.accounts?.length, 1, found.text);
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: found.body.accounts[0].id });
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  /** POSTs the Create (202, queued), then works `queues` until they are drained; returns the statements run meanwhile. */
  async function processed(activity: ReturnType<typeof createMentioning>, queues: ('ingress' | 'default')[] = ['ingress']): Promise<string[]> {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, activity);
    assert.equal(response.status, 202, response.text);
    const watch = watchQueries(instance.ctx.db);
    const worker = instance.ctx.queue.work(queues, jobRunner(instance.ctx), { concurrency: 1 });
    try {
      await until(async () => {
        const counts = await instance.ctx.queue.counts();
        return queues.every((queue) => counts[queue] === 0);
      }, 'the queues to drain');
    } finally {
      await worker.close();
      watch.stop();
    }
    const [stored] = await instance.ctx.db.select().from(statuses).where(eq(statuses.uri, activity.object.id));
    assert.ok(stored, 'the status was stored');
    return watch.queries.filter((query) => !QUEUE_POLLING.test(query));
  }

  it(`stores a status with a mention and a tag in at most ${PROCESSING_BOUND} statements`, async () => {
    // the first one warms what is kept per process
    await processed(createMentioning(remote, 'alice'));
    const queries = await processed(createMentioning(remote, 'alice'));
    assert.ok(queries.length <= PROCESSING_BOUND, `${queries.length} statements:\n${queries.join('\n')}`);
  });

  it(`stores and distributes it in at most ${WITH_DISTRIBUTION_BOUND} statements, its jobs in default included`, async () => {
    await processed(createMentioning(remote, 'alice'), ['ingress', 'default']);
    const queries = await processed(createMentioning(remote, 'alice'), ['ingress', 'default']);
    assert.ok(queries.length <= WITH_DISTRIBUTION_BOUND, `${queries.length} statements:\n${queries.join('\n')}`);
  });
});
