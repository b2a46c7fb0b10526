import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchQueries } from '../../src/db/query-log.ts';
import { mediaAttachments } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * Posting a status costs a bounded number of statements in the request (counted through the
 * database's query hook, not timed): the status and its parts written in one transaction, the
 * answer rendered from what was written, the fan-out and the rest left to jobs. No worker runs
 * here, so the jobs' own statements are not counted.
 */
describe('the statements of posting a status', () => {
  /**
   * the request alone; BEGIN and COMMIT are not counted. 28 and 27 before the statements were cut,
   * 16 (18 with the mentioned member's mail) until the mention's notification went to the
   * Distribution job (as Mastodon's LocalNotificationWorker) and the jobs into one insert: the
   * token, the mentioned account, the transaction's four (ids and conversation, the status, its
   * parts and the author's counters, the tag links), the jobs, and the author's rendering (its
   * cached rendering is forgotten: its counters changed). No marks: a new status has none.
   */
  const MAX_STATEMENTS = 8;
  /** with an attachment: the media checked (two statements) and claimed in the transaction (one) */
  const MAX_STATEMENTS_WITH_MEDIA = 11;
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    [alice, bob] = await Promise.all([instance.createUser('alice'), instance.createUser('bob')]);
  });
  after(() => instance?.close());

  async function postCounted(json: Record<string, unknown>) {
    // the fewer of two tries: another part of the instance may query at the same moment
    const tries: { count: number; queries: string[]; body: Record<string, unknown> }[] = [];
    for (let i = 0; i < 2; i++) {
      const media = json.media_ids ? await upload() : undefined;
      const watch = watchQueries(instance.ctx.db);
      try {
        const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: media ? { ...json, media_ids: [media] } : json });
        assert.equal(response.status, 200, response.text);
        // node-postgres reports BEGIN and COMMIT as queries, PGlite does not: neither is counted
        const queries = watch.queries.filter((query) => !/^\s*(begin|commit)\s*$/i.test(query));
        tries.push({ count: queries.length, queries, body: response.body });
      } finally {
        watch.stop();
      }
    }
    return tries.sort((a, b) => a.count - b.count)[0]!;
  }

  async function upload() {
    const [row] = await instance.ctx.db
      .insert(mediaAttachments)
      .values({ accountId: alice.accountId, type: 'image', fileKey: 'cache/x.png', contentType: 'image/png', processing: 'complete' })
      .returning({ id: mediaAttachments.id });
    return row!.id;
  }

  test('with a mention, a tag and a poll', async () => {
    const { count, queries, body } = await postCounted({ status: `hello @${bob.username} #counted`, poll: { options: ['yes', 'no'], expires_in: 3600 } });
    assert.equal((body.mentions as unknown[]).length, 1);
    assert.equal((body.tags as unknown[]).length, 1);
    assert.ok(body.poll);
    assert.ok(count <= MAX_STATEMENTS, `at most ${MAX_STATEMENTS} statements, not ${count}:\n${queries.join('\n')}`);
  });

  test('with a mention, a tag and an attachment', async () => {
    const { count, queries, body } = await postCounted({ status: `hello @${bob.username} #counted`, media_ids: ['placeholder'] });
    assert.equal((body.mentions as unknown[]).length, 1);
    assert.equal((body.tags as unknown[]).length, 1);
    assert.equal((body.media_attachments as unknown[]).length, 1);
    assert.ok(count <= MAX_STATEMENTS_WITH_MEDIA, `at most ${MAX_STATEMENTS_WITH_MEDIA} statements, not ${count}:\n${queries.join('\n')}`);
  });
});
