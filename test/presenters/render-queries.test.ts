import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { desc, inArray } from 'drizzle-orm';
import { customEmojis, mediaAttachments, previewCards, previewCardsStatuses, statuses } from '../../src/db/schema.ts';
import { watchQueries } from '../../src/db/query-log.ts';
import { forgetFilters } from '../../src/presenters/filters.ts';
import { forgetAllRenderings } from '../../src/presenters/render-generation.ts';
import { renderStatuses } from '../../src/presenters/statuses.ts';
import { distributeStatus } from '../../src/services/feeds/fan-out.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * Rendering a page of statuses costs the same fixed number of queries whatever its size (the
 * presenter loads each kind of thing once for the whole page), counted through the database's
 * query hook rather than timed.
 */
describe('the queries of rendering a page of statuses', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let allIds: string[] = [];
  /** no rendering cached: every part of every status, every author and the viewer's filters loaded */
  const cold = async () => {
    await forgetAllRenderings(instance.ctx);
    await forgetFilters(instance.ctx, alice.accountId);
  };

  const call = async (user: TestUser, method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  const post = (user: TestUser, json: Record<string, unknown>) => call(user, 'POST', '/api/v1/statuses', json) as Promise<{ id: string }>;

  /** a reply with a poll, a mention, a tag, an emoji, a link with its card, an attachment, and a word alice filters */
  async function fullStatus(author: TestUser, inReplyToId: string | null, n: number) {
    const status = await post(author, {
      status: `@${alice.username} a spoiler :blobcat: #render${n % 3} https://example.com/${n}`,
      in_reply_to_id: inReplyToId,
      poll: { options: ['yes', 'no :blobcat:'], expires_in: 3600 },
    });
    await instance.ctx.db.insert(mediaAttachments).values({ statusId: status.id, accountId: author.accountId, type: 'image', remoteUrl: `https://example.com/${n}.png` });
    const [card] = await instance.ctx.db
      .insert(previewCards)
      .values({ url: `https://example.com/${n}`, title: `page ${n}` })
      .returning();
    await instance.ctx.db.insert(previewCardsStatuses).values({ statusId: status.id, previewCardId: card!.id, url: `https://example.com/${n}` });
    return status;
  }

  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    [alice, bob, carol] = await Promise.all([instance.createUser('alice'), instance.createUser('bob'), instance.createUser('carol')]);
    await instance.ctx.db.insert(customEmojis).values({ shortcode: 'blobcat', imageUrl: '/emoji/blobcat.png', staticImageUrl: '/emoji/blobcat.png' });
    await call(bob, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Bob :blobcat:' });
    await call(alice, 'POST', `/api/v1/accounts/${bob.accountId}/follow`);
    await call(alice, 'POST', `/api/v1/accounts/${carol.accountId}/follow`);
    await call(alice, 'POST', '/api/v2/filters', { title: 'spoilers', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'spoiler' }] });

    // 55 statuses of every kind (some reblogs of the same status fold into one on the home timeline), the newest (first on a page) a reblog of a full reply
    let previous: string | null = null;
    for (let n = 0; n < 54; n++) {
      const author = n % 2 ? bob : carol;
      let status: { id: string };
      if (n % 5 === 0) status = await fullStatus(author, previous, n);
      else if (n % 5 === 1) status = await post(author, { status: `a reply #render ${n}`, in_reply_to_id: previous });
      else if (n % 5 === 2) status = await call(bob, 'POST', `/api/v1/statuses/${previous}/reblog`);
      else if (n % 5 === 3) status = await post(author, { status: `@${bob.username} plain ${n} :blobcat:` });
      else status = await post(alice, { status: `mine ${n}` });
      previous = status.id;
      if (n % 7 === 0) await call(alice, 'POST', `/api/v1/statuses/${status.id}/favourite`);
      if (n % 9 === 0) await call(alice, 'POST', `/api/v1/statuses/${status.id}/bookmark`);
    }
    // by someone alice does not follow, so that bob's reblog is what her home feed shows of it
    const dave = await instance.createUser('dave');
    const full = await fullStatus(dave, previous, 54);
    await call(alice, 'POST', `/api/v1/polls/${(await call(alice, 'GET', `/api/v1/statuses/${full.id}`)).poll.id}/votes`, { choices: [0] });
    await call(bob, 'POST', `/api/v1/statuses/${full.id}/reblog`);
    allIds = (await instance.ctx.db.select({ id: statuses.id }).from(statuses)).map((row) => row.id);
    for (const id of allIds) await distributeStatus(instance.ctx, id);
  });
  after(() => instance?.close());

  const newest = (limit: number) =>
    instance.ctx.db
      .select()
      .from(statuses)
      .where(inArray(statuses.accountId, [alice.accountId, bob.accountId, carol.accountId]))
      .orderBy(desc(statuses.id))
      .limit(limit);

  async function countQueries<T>(work: () => Promise<T>): Promise<{ count: number; result: T }> {
    const watch = watchQueries(instance.ctx.db);
    try {
      const result = await work();
      return { count: watch.queries.length, result };
    } finally {
      watch.stop();
    }
  }

  test('renderStatuses: the same count for 1, 20 and 40 statuses', async () => {
    const counts: number[] = [];
    const warmCounts: number[] = [];
    for (const size of [1, 20, 40]) {
      const rows = await newest(size);
      assert.equal(rows.length, size);
      await cold();
      const { count, result } = await countQueries(() => renderStatuses(instance.ctx, rows, { viewerId: alice.accountId }));
      assert.equal(result.length, size);
      const first = result[0]!;
      // the first status of every page has every kind of thing to load
      assert.ok(first.reblog?.in_reply_to_id && first.reblog.poll?.voted && first.reblog.media_attachments.length && first.reblog.card, JSON.stringify(first));
      assert.ok(first.reblog.mentions.length && first.reblog.tags.length && first.reblog.emojis.length && first.reblog.poll.emojis.length);
      assert.ok(first.account.emojis.length && first.filtered?.length, "the reblogger's emoji and the filter result");
      counts.push(count);
      const warm = await countQueries(() => renderStatuses(instance.ctx, rows, { viewerId: alice.accountId }));
      assert.deepEqual(warm.result, result, 'the cached rendering is the same');
      warmCounts.push(warm.count);
    }
    if (counts[2]) {
      const page = await renderStatuses(instance.ctx, await newest(40), { viewerId: alice.accountId });
      assert.ok(page.some((status) => status.favourited) && page.some((status) => status.bookmarked), "the viewer's marks");
    }
    assert.deepEqual(counts, [counts[0], counts[0], counts[0]], `queries for 1, 20, 40 statuses: ${counts.join(', ')}`);
    // cold: the originals, the filters (3), the authors and their emoji, mentions, tags, applications, polls, media, cards, the viewer's marks,
    // the authors marked sensitive by staff, the statuses' emoji
    assert.deepEqual(counts, [14, 14, 14], `queries with nothing cached: ${counts.join(', ')}`);
    // warm: only what depends on the viewer or on the statuses' rows: the originals and the viewer's marks
    assert.deepEqual(warmCounts, [2, 2, 2], `queries with the renderings cached: ${warmCounts.join(', ')}`);
  });

  test('the home timeline through the API: the same count for 1, 20 and 40 statuses', async () => {
    const counts: number[] = [];
    // the fewer of two tries: another part of the instance may query at the same moment (the request's own queries are what is counted)
    const homeQueries = async (limit: number, prepare: () => Promise<void>) => {
      const tries: number[] = [];
      for (let i = 0; i < 2; i++) {
        await prepare();
        const { count, result } = await countQueries(() => instance.request('GET', `/api/v1/timelines/home?limit=${limit}`, { token: alice.token }));
        assert.equal(result.status, 200, result.text);
        assert.equal(result.body.length, limit);
        tries.push(count);
      }
      return Math.min(...tries);
    };
    for (const limit of [1, 20, 40]) counts.push(await homeQueries(limit, cold));
    assert.deepEqual(counts, [counts[0], counts[0], counts[0]], `queries for 1, 20, 40 statuses: ${counts.join(', ')}`);

    await instance.request('GET', '/api/v1/timelines/home?limit=40', { token: alice.token });
    const warmCounts: number[] = [];
    for (const limit of [1, 20, 40]) warmCounts.push(await homeQueries(limit, async () => {}));
    // warm: the feed's page (a statement on PGlite, Redis in server mode) and one statement for the
    // statuses with their originals and the viewer's marks (the token is cached)
    assert.deepEqual(warmCounts, [warmCounts[0], warmCounts[0], warmCounts[0]], `queries with the renderings cached: ${warmCounts.join(', ')}`);
    assert.equal(warmCounts[0], instance.ctx.database.kind === 'pglite' ? 2 : 1, `queries of a warm home page: ${warmCounts[0]}`);
    // cold: the 14 of rendering a page but the originals and the marks, which came with the statuses
    assert.equal(counts[0]! - warmCounts[0]!, 12, `queries with nothing cached: ${counts[0]}, with the renderings cached: ${warmCounts[0]}`);
  });
});
