import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { queryRows } from '../../src/db/index.ts';
import { previewCards, previewCardShares, statuses, tags } from '../../src/db/schema.ts';
import { idFloor } from '../../src/lib/ids.ts';
import { TrendsRefreshScheduler } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { refreshTrends } from '../../src/jobs/scheduler/trends-refresh-scheduler.ts';
import { SCHEDULES } from '../../src/roles/scheduler.ts';
import { until } from '../helpers/federating-instances.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { storedUrlPattern } from '../helpers/stored-files.ts';
import { articlePage, pngImage, startLinkSite, type LinkSite } from '../helpers/link-pages.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

/**
 * Usage is counted per UTC day and the tests compare the history with today: a file started in the
 * last minutes of a day waits for the next one, so that its posts and its checks fall on one day.
 */
async function clearOfMidnight(marginMs = 5 * 60_000) {
  const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (untilMidnight < marginMs) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
}

describe('trends API', () => {
  let instance: TestInstance;
  let users: TestUser[];
  /** a news site on a loopback address the instance may fetch link previews from */
  let site: LinkSite;
  let story: string;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });
  const cli = (...args: string[]) => runAdminCommand(instance.ctx, ['trends', ...args]);
  const post = async (user: TestUser, status: string, extra: Record<string, unknown> = {}) => {
    const response = await call('POST', user, '/api/v1/statuses', { status, ...extra });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string };
  };
  const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
  const linkRel = (header: string | null, rel: string) => new RegExp(`<([^>]+)>; rel="${rel}"`).exec(header ?? '')?.[1];

  before(async () => {
    await clearOfMidnight();
    const address = claimLoopbackAddress();
    site = await startLinkSite(address);
    story = `${site.origin}/story?id=1`;
    const image = await pngImage(64, 36);
    site.route('/lead.png', (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(image));
    site.html('/story?id=1', articlePage({ title: 'Big news', description: 'What happened today', image: '/lead.png', site: 'News Example' }));
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: address } });
    users = [];
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus']) users.push(await instance.createUser(name));
  });
  after(async () => {
    await instance.close();
    await site.close();
  });

  it('is refreshed by the scheduler every five minutes', () => {
    assert.ok(SCHEDULES.some((schedule) => schedule.job === TrendsRefreshScheduler && schedule.everySeconds === 300));
  });

  it('trends hashtags used by five accounts today, once staff approve them, with their history', async () => {
    // six accounts use #Cats (one twice), two use #Dogs: below the threshold of five
    for (const user of users.slice(0, 6)) await post(user, 'I like #Cats');
    await post(users[0]!, 'More #cats');
    for (const user of users.slice(0, 2)) await post(user, 'and #Dogs');
    await post(users[6]!, 'private #Cats', { visibility: 'private' });

    await enqueue(instance.ctx, TrendsRefreshScheduler, {});
    // unreviewed: nothing shows, and it awaits review
    const cats = await until(async () => {
      const [row] = await instance.ctx.db.select().from(tags).where(sql`lower(${tags.name}) = 'cats'`);
      return row?.requestedReviewAt ? row : undefined;
    }, 'the trending hashtag to await review');
    assert.equal(cats.trendable, null);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    const listed = await cli('list', 'tags');
    assert.match(listed.stdout, /tag\s+\d+\s+pending\s+[\d.]+\s+#1\s+#Cats/);
    assert.doesNotMatch(listed.stdout, /Dogs/);

    const approved = await cli('approve', 'tag', 'CATS');
    assert.equal(approved.exitCode, 0, approved.stderr);
    const response = await call('GET', users[0]!, '/api/v1/trends/tags');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.length, 1);
    const [tag] = response.body;
    assert.equal(tag.name, 'Cats');
    assert.match(tag.url, /\/tags\/cats$/);
    assert.equal(tag.following, false);
    assert.equal(tag.history.length, 7);
    assert.deepEqual(tag.history[0], { day: String(Math.floor(Date.now() / 86_400_000) * 86_400), uses: '7', accounts: '6' });
    assert.deepEqual(tag.history[1], { day: String(Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400), uses: '0', accounts: '0' });
    // the deprecated alias
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends')).body.map((t: any) => t.name),
      ['Cats'],
    );

    assert.equal((await cli('reject', 'tag', 'cats')).exitCode, 0);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    assert.equal((await cli('approve', 'tag', 'nosuchtag')).exitCode, 1);
    assert.equal((await cli('approve', 'tag', 'cats')).exitCode, 0);
  });

  it('pages with offset and limit, with Link headers', async () => {
    for (const user of users.slice(1, 7)) await post(user, 'Look #Birds');
    await refreshTrends(instance.ctx);
    assert.equal((await cli('approve', 'tag', 'birds')).exitCode, 0);
    const all = await call('GET', null, '/api/v1/trends/tags');
    assert.deepEqual(all.body.map((t: any) => t.name).sort(), ['Birds', 'Cats']);

    const first = await call('GET', null, '/api/v1/trends/tags?limit=1');
    assert.equal(first.body.length, 1);
    assert.equal(first.body[0].name, all.body[0].name);
    const next = linkRel(first.headers.get('link'), 'next');
    assert.ok(next, first.headers.get('link') ?? 'no Link header');
    assert.match(next, /\/api\/v1\/trends\/tags\?limit=1&offset=1$/);
    assert.equal(linkRel(first.headers.get('link'), 'prev'), undefined);
    const second = await call('GET', null, pathOf(next));
    assert.deepEqual(
      second.body.map((t: any) => t.name),
      [all.body[1].name],
    );
    assert.match(linkRel(second.headers.get('link'), 'prev')!, /offset=0$/);
    const third = await call('GET', null, pathOf(linkRel(second.headers.get('link'), 'next')!));
    assert.deepEqual(third.body, []);
    assert.equal(linkRel(third.headers.get('link'), 'next'), undefined);
    assert.equal((await call('GET', null, '/api/v1/trends/tags?limit=abc')).status, 400);
  });

  it('trends statuses boosted and favourited by five accounts, one per author, from discoverable accounts', async () => {
    const [ann, ...others] = users as [TestUser, ...TestUser[]];
    const popular = await post(ann, 'A popular post');
    const alsoPopular = await post(ann, 'Another popular post');
    const warned = await post(others[0]!, 'Hidden behind a warning', { spoiler_text: 'cw' });
    for (const fan of others.slice(0, 5)) {
      assert.equal((await call('POST', fan, `/api/v1/statuses/${popular.id}/favourite`)).status, 200);
      assert.equal((await call('POST', fan, `/api/v1/statuses/${alsoPopular.id}/reblog`)).status, 200);
    }
    await call('POST', others[5]!, `/api/v1/statuses/${popular.id}/reblog`);
    for (const fan of [ann, ...others.slice(1, 5)]) await call('POST', fan, `/api/v1/statuses/${warned.id}/favourite`);

    // ann is not discoverable yet: her statuses are not eligible
    await refreshTrends(instance.ctx);
    assert.equal((await cli('list', 'statuses')).stdout.trim(), 'Nothing trends.');
    assert.equal((await call('PATCH', ann, '/api/v1/accounts/update_credentials', { discoverable: true })).status, 200);
    assert.equal((await call('PATCH', others[0]!, '/api/v1/accounts/update_credentials', { discoverable: true })).status, 200);
    await refreshTrends(instance.ctx);
    assert.match((await cli('list', 'statuses')).stdout, /status\s+\d+\s+pending/);
    assert.doesNotMatch((await cli('list', 'statuses')).stdout, new RegExp(warned.id));
    assert.deepEqual((await call('GET', null, '/api/v1/trends/statuses')).body, []);

    assert.equal((await cli('approve', 'account', 'ann')).exitCode, 0);
    const trending = await call('GET', others[0]!, '/api/v1/trends/statuses');
    assert.equal(trending.status, 200, trending.text);
    // one per author: the better of ann's two (six engagements against five)
    assert.deepEqual(
      trending.body.map((s: any) => s.id),
      [popular.id],
    );
    assert.equal(trending.body[0].favourited, true);

    // a status rejected on its own stays out, the next best of its author takes its place
    assert.equal((await cli('reject', 'status', popular.id)).exitCode, 0);
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/statuses')).body.map((s: any) => s.id),
      [alsoPopular.id],
    );
    // hidden from a member who blocks the author
    await call('POST', others[1]!, `/api/v1/accounts/${ann.accountId}/block`);
    assert.deepEqual((await call('GET', others[1]!, '/api/v1/trends/statuses')).body, []);
  });

  it('trends links shared by five accounts as preview cards with history', async () => {
    const shares = [];
    for (const user of users.slice(0, 5)) shares.push(await post(user, `@${users[6]!.username} #news: read this ${story}`));
    await post(users[5]!, 'Only a mention of #story');
    // each share counts once its status has the card (LinkCrawlWorker, in the pull queue)
    await until(async () => (await queryRows<{ n: string }>(instance.ctx.db, sql`SELECT count(*)::text AS n FROM ${previewCardShares}`))[0]?.n === '5', 'the five shares to be registered');
    const [link] = await instance.ctx.db.select().from(previewCards);
    assert.equal(link!.url, story);
    await refreshTrends(instance.ctx);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/links')).body, []);

    // with trendable_by_default, nothing waits for review
    assert.equal((await cli('review-required', 'no')).exitCode, 0);
    const response = await call('GET', null, '/api/v1/trends/links');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.length, 1);
    const [card] = response.body;
    assert.equal(card.url, story);
    assert.equal(card.title, 'Big news');
    assert.equal(card.description, 'What happened today');
    assert.equal(card.provider_name, 'News Example');
    assert.equal(card.language, 'en');
    assert.equal(card.type, 'link');
    assert.match(card.image, new RegExp(`^${storedUrlPattern(instance)}preview_cards/images/`));
    assert.deepEqual(card.history[0], { day: String(Math.floor(Date.now() / 86_400_000) * 86_400), accounts: '5', uses: '5' });
    assert.equal((await cli('reject', 'link', story)).exitCode, 0);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/links')).body, []);
    const unlisted = await call('GET', null, `/api/v1/timelines/link?url=${encodeURIComponent(story)}`);
    assert.equal(unlisted.status, 404, 'a rejected link has no timeline');
    assert.equal((await cli('approve', 'link', link!.id)).exitCode, 0);
    assert.equal((await call('GET', null, '/api/v1/trends/links')).body.length, 1);

    // the statuses sharing a trending link (Phanpy opens them from its trending links)
    const timeline = await call('GET', users[6]!, `/api/v1/timelines/link?url=${encodeURIComponent(story)}&limit=3`);
    assert.equal(timeline.status, 200, timeline.text);
    assert.equal(timeline.body.length, 3);
    assert.ok(timeline.body.every((s: any) => s.card?.url === story));
    const older = await call('GET', users[6]!, pathOf(linkRel(timeline.headers.get('link'), 'next')!));
    assert.equal(older.body.length, 2);
    assert.equal((await call('GET', null, '/api/v1/timelines/link?url=https%3A%2F%2Fother.example%2F')).status, 404);
    assert.equal((await call('GET', null, '/api/v1/timelines/link')).status, 404);
    // no link timeline while trends are off
    assert.equal((await cli('disable')).exitCode, 0);
    assert.equal((await call('GET', users[6]!, `/api/v1/timelines/link?url=${encodeURIComponent(story)}`)).status, 404);
    assert.equal((await cli('enable')).exitCode, 0);

    // a deleted status no longer counts
    assert.equal((await call('DELETE', users[4]!, `/api/v1/statuses/${shares[4]!.id}`)).status, 200);
    assert.equal((await call('GET', null, '/api/v1/trends/links')).body[0].history[0].accounts, '4');
    assert.equal((await cli('review-required', 'yes')).exitCode, 0);
    await instance.ctx.db.update(previewCards).set({ trendable: null }).where(eq(previewCards.id, link!.id));
    assert.deepEqual((await call('GET', null, '/api/v1/trends/links')).body, []);
  });

  it('forgets link shares older than a week when refreshing', async () => {
    const [link] = await instance.ctx.db.select().from(previewCards);
    const old = new Date(Date.now() - 9 * 86_400_000);
    const [oldStatus] = await instance.ctx.db
      .insert(statuses)
      .values({ id: idFloor(old), accountId: users[0]!.accountId, text: story, content: '', createdAt: old })
      .returning();
    await instance.ctx.db.insert(previewCardShares).values({ previewCardId: link!.id, statusId: oldStatus!.id, accountId: users[0]!.accountId, createdAt: old });
    const count = async () => (await queryRows<{ n: string }>(instance.ctx.db, sql`SELECT count(*)::text AS n FROM ${previewCardShares}`))[0]!.n;
    const before = Number(await count());
    await refreshTrends(instance.ctx);
    assert.equal(Number(await count()), before - 1);
    const left = await instance.ctx.db.select().from(previewCardShares).where(eq(previewCardShares.statusId, oldStatus!.id));
    assert.deepEqual(left, []);
  });

  it('answers empty lists while trends are off', async () => {
    assert.ok((await call('GET', null, '/api/v1/trends/tags')).body.length > 0);
    assert.equal((await cli('disable')).exitCode, 0);
    for (const path of ['/api/v1/trends/tags', '/api/v1/trends', '/api/v1/trends/statuses', '/api/v1/trends/links']) {
      const response = await call('GET', users[0]!, path);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      assert.deepEqual(response.body, [], path);
    }
    assert.equal((await cli('enable')).exitCode, 0);
    assert.ok((await call('GET', null, '/api/v1/trends/tags')).body.length > 0);
  });

  it('refuses bad trends commands with their usage', async () => {
    for (const args of [['approve', 'planet', 'x'], ['approve', 'tag'], ['list', 'people'], ['review-required', 'maybe'], ['enable', 'now'], ['launch']]) {
      const result = await cli(...args);
      assert.equal(result.exitCode, 2, args.join(' '));
      assert.match(result.stderr, /Usage:/);
    }
    assert.equal((await cli('reject', 'status', '12345')).exitCode, 1);
    assert.equal((await cli('approve', 'account', 'nobody')).exitCode, 1);
  });
});
