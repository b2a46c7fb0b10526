import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { accounts, follows, mentions, notifications, polls, scheduledStatuses, statusEdits, statuses, tags, users } from '../../src/db/schema.ts';
import { RATE_LIMIT_FAMILIES, rateLimitKey } from '../../src/services/instance/rate-limiter.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

describe('statuses API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  const post = (user: TestUser, json: Record<string, unknown>, headers?: Record<string, string>) => instance.request('POST', '/api/v1/statuses', { token: user.token, json, headers });
  const get = (path: string, user?: TestUser) => instance.request('GET', path, { token: user?.token });

  async function statusCount(): Promise<number> {
    const [row] = await instance.ctx.db.select({ n: sql<number>`count(*)::int` }).from(statuses);
    return row!.n;
  }
  async function account(id: string) {
    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, id));
    return row!;
  }
  async function follow(follower: TestUser, target: TestUser) {
    await instance.ctx.db.insert(follows).values({ accountId: follower.accountId, targetAccountId: target.accountId }).onConflictDoNothing();
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dave = await instance.createUser('dave');
  });
  after(() => instance.close());

  describe('posting', () => {
    it('posts a public status and renders it', async () => {
      const before = await account(alice.accountId);
      const res = await post(alice, { status: 'Hello world' });
      assert.equal(res.status, 200, res.text);
      assert.match(res.body.id, /^\d+$/);
      assert.equal(res.body.content, '<p>Hello world</p>');
      assert.equal(res.body.visibility, 'public');
      assert.equal(res.body.uri, `http://subspace.test/users/alice/statuses/${res.body.id}`);
      assert.equal(res.body.url, `http://subspace.test/@alice/${res.body.id}`);
      assert.equal(res.body.account.id, alice.accountId);
      assert.equal(res.body.sensitive, false);
      assert.equal(res.body.spoiler_text, '');
      assert.equal(res.body.in_reply_to_id, null);
      assert.equal(res.body.favourited, false);
      assert.equal(res.body.pinned, false);
      assert.equal(res.body.language, null);
      assert.ok(res.headers.get('x-ratelimit-limit'), 'rate limit headers are sent');
      const after = await account(alice.accountId);
      assert.equal(after.statusesCount, before.statusesCount + 1);
      assert.ok(after.lastStatusAt);
      const [row] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, res.body.id));
      assert.ok(row!.conversationId, 'a new conversation');
      assert.equal(row!.text, 'Hello world');
    });

    it('accepts each visibility and defaults to the member setting', async () => {
      for (const visibility of ['public', 'unlisted', 'private', 'direct']) {
        const res = await post(alice, { status: `a ${visibility} post`, visibility });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.visibility, visibility);
      }
      await instance.ctx.db
        .update(users)
        .set({ settings: { default_privacy: 'unlisted', default_language: 'fr' } })
        .where(eq(users.id, carol.userId));
      const res = await post(carol, { status: 'default' });
      assert.equal(res.body.visibility, 'unlisted');
      assert.equal(res.body.language, 'fr');
    });

    it('direct statuses do not count in statuses_count', async () => {
      const before = await account(dave.accountId);
      const res = await post(dave, { status: 'psst @alice', visibility: 'direct' });
      assert.equal(res.status, 200, res.text);
      assert.equal((await account(dave.accountId)).statusesCount, before.statusesCount);
    });

    it('takes spoiler text, sensitivity and language', async () => {
      const res = await post(alice, { status: 'spoilers', spoiler_text: 'movie', language: 'de' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.spoiler_text, 'movie');
      assert.equal(res.body.sensitive, true, 'a content warning makes it sensitive');
      assert.equal(res.body.language, 'de');
      const sensitive = await instance.request('POST', '/api/v1/statuses', { token: alice.token, form: { status: 'x', sensitive: 'true', language: 'zz' } });
      assert.equal(sensitive.status, 200, sensitive.text);
      assert.equal(sensitive.body.sensitive, true);
      assert.equal(sensitive.body.language, null, 'an unknown language is dropped');
      const onlyWarning = await post(alice, { status: '', spoiler_text: 'just this' });
      assert.equal(onlyWarning.status, 200, onlyWarning.text);
      assert.equal(onlyWarning.body.content, '<p>just this</p>');
      assert.equal(onlyWarning.body.spoiler_text, '');
    });

    it('links mentions and notifies the mentioned local accounts', async () => {
      const res = await post(alice, { status: '@bob @Carol @alice @nobody hello' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.mentions.map((m: { acct: string }) => m.acct).sort(), ['alice', 'bob', 'carol']);
      assert.match(res.body.content, /<span class="h-card" translate="no"><a href="http:\/\/subspace\.test\/@bob" class="u-url mention">@<span>bob<\/span><\/a><\/span>/);
      assert.match(res.body.content, /@nobody hello/);
      // made by the status's Distribution job (Mastodon's LocalNotificationWorker), once it has run
      await queuesDrained(instance);
      const rows = await instance.ctx.db.select().from(notifications).where(eq(notifications.statusId, res.body.id));
      assert.deepEqual(rows.map((n) => n.accountId).sort(), [bob.accountId, carol.accountId].sort());
      assert.ok(rows.every((n) => n.type === 'mention' && n.fromAccountId === alice.accountId));
    });

    it('resolves remote mentions it knows and local ones written with the domain', async () => {
      const [remote] = await instance.ctx.db
        .insert(accounts)
        .values({ username: 'erin', domain: 'remote.example', uri: 'https://remote.example/users/erin', url: 'https://remote.example/@erin' })
        .returning();
      const res = await post(alice, { status: 'hi @erin@remote.example and @bob@subspace.test and @zed@elsewhere.example' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.mentions.map((m: { acct: string }) => m.acct).sort(), ['bob', 'erin@remote.example']);
      assert.match(res.body.content, /<a href="https:\/\/remote\.example\/@erin" class="u-url mention">@<span>erin<\/span><\/a>/);
      assert.match(res.body.content, /@zed@elsewhere\.example<\/p>$/);
      await queuesDrained(instance);
      const remoteNotices = await instance.ctx.db.select().from(notifications).where(eq(notifications.accountId, remote!.id));
      assert.equal(remoteNotices.length, 0, 'remote accounts are not notified locally');
    });

    it('replies to the original when replying to a boost', async () => {
      const original = await post(carol, { status: 'boost me' });
      const [reblog] = await instance.ctx.db.insert(statuses).values({ accountId: bob.accountId, reblogOfId: original.body.id, visibility: 'public' }).returning();
      const reply = await post(alice, { status: 'reply', in_reply_to_id: reblog!.id });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.in_reply_to_id, original.body.id);
      assert.equal(reply.body.in_reply_to_account_id, carol.accountId);
    });

    it('links hashtags and records the tags', async () => {
      const res = await post(alice, { status: 'I like #Subspace and #TypeScript #subspace' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.tags.map((t: { name: string }) => t.name).sort(), ['subspace', 'typescript']);
      assert.match(res.body.content, /<a href="http:\/\/subspace\.test\/tags\/Subspace" class="mention hashtag" rel="tag">#<span>Subspace<\/span><\/a>/);
      const rows = await instance.ctx.db.select().from(tags).where(sql`lower(${tags.name}) = 'subspace'`);
      assert.equal(rows.length, 1);
    });

    it('threads replies', async () => {
      const parent = await post(bob, { status: 'parent' });
      const reply = await post(alice, { status: '@bob reply', in_reply_to_id: parent.body.id });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.in_reply_to_id, parent.body.id);
      assert.equal(reply.body.in_reply_to_account_id, bob.accountId);
      const rows = await instance.ctx.db.select().from(statuses).where(sql`${statuses.id} IN (${parent.body.id}, ${reply.body.id})`);
      assert.equal(rows[0]!.conversationId, rows[1]!.conversationId);
      const after = await get(`/api/v1/statuses/${parent.body.id}`, bob);
      assert.equal(after.body.replies_count, 1);
      const privateReply = await post(carol, { status: 'quiet', in_reply_to_id: parent.body.id, visibility: 'private' });
      assert.equal(privateReply.status, 200, privateReply.text);
      assert.equal((await get(`/api/v1/statuses/${parent.body.id}`, bob)).body.replies_count, 1, 'only public and unlisted replies count');
    });

    it('creates a poll', async () => {
      const res = await post(alice, { status: 'pick one', poll: { options: ['a', 'b', 'c'], expires_in: 3600, multiple: true } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.poll.options.map((o: { title: string }) => o.title),
        ['a', 'b', 'c'],
      );
      assert.equal(res.body.poll.multiple, true);
      const [row] = await instance.ctx.db.select().from(polls).where(eq(polls.statusId, res.body.id));
      assert.ok(row);
      assert.ok(Math.abs(row!.expiresAt!.getTime() - Date.now() - 3600_000) < 60_000);
    });

    it('uses the token application', async () => {
      const app = await instance.request('POST', '/api/v1/apps', {
        form: { client_name: 'Tooter', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write', website: 'https://tooter.example' },
      });
      const { issueToken } = await import('../../src/services/oauth/tokens.ts');
      const [application] = await instance.ctx.db
        .execute(sql`SELECT id::text AS id FROM oauth_applications WHERE uid = ${app.body.client_id}`)
        .then((r) => (r as unknown as { rows: { id: string }[] }).rows);
      const token = await issueToken(instance.ctx, { applicationId: application!.id, userId: alice.userId, scopes: ['write'] });
      const res = await instance.request('POST', '/api/v1/statuses', { token: token.accessToken, json: { status: 'from an app' } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.application, { name: 'Tooter', website: 'https://tooter.example' });
    });

    it('returns the first status for a repeated Idempotency-Key', async () => {
      const count = await statusCount();
      const first = await post(alice, { status: 'once' }, { 'idempotency-key': 'abc-123' });
      const second = await post(alice, { status: 'once' }, { 'idempotency-key': 'abc-123' });
      assert.equal(first.status, 200, first.text);
      assert.equal(second.body.id, first.body.id);
      assert.equal(await statusCount(), count + 1);
      const other = await post(bob, { status: 'once' }, { 'idempotency-key': 'abc-123' });
      assert.notEqual(other.body.id, first.body.id, 'keys are per account');
    });

    it('answers 429 once the statuses rate limit is used up', async () => {
      const key = rateLimitKey(dave.accountId, 'statuses');
      await instance.ctx.cache.set(key, String(RATE_LIMIT_FAMILIES.statuses.limit), 3600);
      const count = await statusCount();
      const res = await post(dave, { status: 'one too many' });
      assert.equal(res.status, 429, res.text);
      assert.deepEqual(res.body, { error: 'Too many requests' });
      assert.equal(res.headers.get('x-ratelimit-limit'), '300');
      assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(res.headers.get('x-ratelimit-reset'));
      assert.equal(await statusCount(), count);
      await instance.ctx.cache.del(key);
      const ok = await post(dave, { status: 'fine again' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-ratelimit-remaining'), '299');
    });

    it('refuses bad input without writing anything', async () => {
      const hidden = await post(bob, { status: 'followers only', visibility: 'private' });
      const deleted = await post(bob, { status: 'gone' });
      await instance.request('DELETE', `/api/v1/statuses/${deleted.body.id}`, { token: bob.token });
      const count = await statusCount();
      const cases: [Record<string, unknown>, number, string | RegExp][] = [
        [{ status: '' }, 422, "Validation failed: Text can't be blank"],
        [{ status: 'x'.repeat(501) }, 422, 'Validation failed: Text character limit of 500 exceeded'],
        [{ status: 'x'.repeat(400), spoiler_text: 'y'.repeat(101) }, 422, 'Validation failed: Text character limit of 500 exceeded'],
        [{ status: 'hi', visibility: 'everyone' }, 422, /Visibility/],
        [{ status: 'hi', in_reply_to_id: '12345' }, 404, 'The post you are trying to reply to does not appear to exist.'],
        [{ status: 'hi', in_reply_to_id: hidden.body.id }, 404, 'The post you are trying to reply to does not appear to exist.'],
        [{ status: 'hi', in_reply_to_id: deleted.body.id }, 404, 'The post you are trying to reply to does not appear to exist.'],
        [{ status: 'hi', poll: { options: ['only'], expires_in: 3600 } }, 422, /Poll options must have more than one item/],
        [{ status: 'hi', poll: { options: ['a', 'b', 'c', 'd', 'e'], expires_in: 3600 } }, 422, /Poll options/],
        [{ status: 'hi', poll: { options: ['a', 'b'], expires_in: 60 } }, 422, /Poll expires at/],
        [{ status: 'hi', poll: { options: ['a', 'x'.repeat(51)], expires_in: 3600 } }, 422, /too long/],
        [{ status: 'hi', scheduled_at: new Date(Date.now() + 60_000).toISOString() }, 422, 'Validation failed: Scheduled at The scheduled date must be in the future'],
      ];
      for (const [json, status, error] of cases) {
        const res = await post(carol, json);
        assert.equal(res.status, status, `${JSON.stringify(json).slice(0, 80)}: ${res.text}`);
        if (typeof error === 'string') assert.equal(res.body.error, error);
        else assert.match(res.body.error, error);
      }
      assert.equal(await statusCount(), count);
      const [{ n }] = (await instance.ctx.db.select({ n: sql<number>`count(*)::int` }).from(scheduledStatuses)) as [{ n: number }];
      assert.equal(n, 0);
      const anonymous = await instance.request('POST', '/api/v1/statuses', { json: { status: 'hi' } });
      assert.equal(anonymous.status, 401);
    });

    it('schedules statuses more than five minutes ahead, and posts past ones at once', async () => {
      const at = new Date(Date.now() + 3600_000).toISOString();
      const count = await statusCount();
      const res = await post(alice, { status: 'later', scheduled_at: at, visibility: 'unlisted' });
      assert.equal(res.status, 200, res.text);
      assert.match(res.body.id, /^\d+$/);
      assert.equal(res.body.scheduled_at, at);
      assert.equal(res.body.params.text, 'later');
      assert.equal(res.body.params.visibility, 'unlisted');
      assert.deepEqual(res.body.media_attachments, []);
      assert.equal(await statusCount(), count);
      const past = await post(alice, { status: 'already', scheduled_at: new Date(Date.now() - 60_000).toISOString() });
      assert.equal(past.status, 200, past.text);
      assert.equal(past.body.content, '<p>already</p>');
    });
  });

  describe('reading', () => {
    it('shows private statuses to followers only, direct ones to the mentioned only', async () => {
      const priv = await post(bob, { status: 'for followers', visibility: 'private' });
      await follow(dave, bob);
      assert.equal((await get(`/api/v1/statuses/${priv.body.id}`, dave)).status, 200);
      assert.equal((await get(`/api/v1/statuses/${priv.body.id}`, bob)).status, 200);
      const stranger = await get(`/api/v1/statuses/${priv.body.id}`, carol);
      assert.equal(stranger.status, 404);
      assert.deepEqual(stranger.body, { error: 'Record not found' });
      assert.equal((await get(`/api/v1/statuses/${priv.body.id}`)).status, 404);

      const dm = await post(bob, { status: '@carol secret', visibility: 'direct' });
      assert.equal((await get(`/api/v1/statuses/${dm.body.id}`, carol)).status, 200);
      assert.equal((await get(`/api/v1/statuses/${dm.body.id}`, dave)).status, 404, 'following is not enough for a direct message');
      assert.equal((await get(`/api/v1/statuses/${dm.body.id}`)).status, 404);

      const pub = await post(bob, { status: 'for all' });
      const anonymous = await get(`/api/v1/statuses/${pub.body.id}`);
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.body.favourited, undefined);
      assert.equal((await get('/api/v1/statuses/99999999999')).status, 404);
      assert.equal((await get('/api/v1/statuses/nope')).status, 404);
    });

    it('lists several statuses by id, in order, only visible ones', async () => {
      const a = await post(bob, { status: 'a' });
      const b = await post(bob, { status: 'b', visibility: 'private' });
      const c = await post(bob, { status: 'c' });
      const res = await get(`/api/v1/statuses?id[]=${c.body.id}&id[]=${b.body.id}&id[]=${a.body.id}&id[]=1`, carol);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.map((s: { id: string }) => s.id),
        [c.body.id, a.body.id],
      );
      const many = Array.from({ length: 21 }, (_, i) => `id[]=${i + 1}`).join('&');
      assert.equal((await get(`/api/v1/statuses?${many}`, carol)).status, 422);
    });

    it('renders the context, leaving out what the viewer may not see', async () => {
      const root = await post(alice, { status: 'root' });
      const r1 = await post(bob, { status: 'r1', in_reply_to_id: root.body.id });
      const r1a = await post(carol, { status: 'r1a', in_reply_to_id: r1.body.id });
      const privateReply = await post(bob, { status: 'private r2', in_reply_to_id: root.body.id, visibility: 'private' });
      const r1b = await post(alice, { status: 'r1b', in_reply_to_id: r1.body.id });

      const forCarol = await get(`/api/v1/statuses/${root.body.id}/context`, carol);
      assert.equal(forCarol.status, 200, forCarol.text);
      assert.deepEqual(forCarol.body.ancestors, []);
      assert.deepEqual(
        forCarol.body.descendants.map((s: { id: string }) => s.id),
        [r1.body.id, r1a.body.id, r1b.body.id],
        'depth first, no private reply',
      );

      const forDave = await get(`/api/v1/statuses/${root.body.id}/context`, dave);
      assert.deepEqual(
        forDave.body.descendants.map((s: { id: string }) => s.id),
        [r1.body.id, r1a.body.id, r1b.body.id, privateReply.body.id],
      );

      const leaf = await get(`/api/v1/statuses/${r1a.body.id}/context`);
      assert.deepEqual(
        leaf.body.ancestors.map((s: { id: string }) => s.id),
        [root.body.id, r1.body.id],
        'oldest first',
      );
      assert.deepEqual(leaf.body.descendants, []);

      const hidden = await get(`/api/v1/statuses/${privateReply.body.id}/context`, carol);
      assert.equal(hidden.status, 404);
    });
  });

  describe('editing', () => {
    it('edits a status, keeping its history and source', async () => {
      const original = await post(alice, { status: 'first #one @bob', spoiler_text: '' });
      const id = original.body.id;
      const edited = await instance.request('PUT', `/api/v1/statuses/${id}`, { token: alice.token, json: { status: 'second #two', spoiler_text: 'cw', language: 'en' } });
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.body.content, '<p>second <a href="http://subspace.test/tags/two" class="mention hashtag" rel="tag">#<span>two</span></a></p>');
      assert.equal(edited.body.spoiler_text, 'cw');
      assert.equal(edited.body.sensitive, true);
      assert.equal(edited.body.language, 'en');
      assert.ok(edited.body.edited_at);
      assert.deepEqual(
        edited.body.tags.map((t: { name: string }) => t.name),
        ['two'],
      );
      assert.deepEqual(edited.body.mentions, [], 'a removed mention is no longer shown');
      const [mention] = await instance.ctx.db
        .select()
        .from(mentions)
        .where(and(eq(mentions.statusId, id), eq(mentions.accountId, bob.accountId)));
      assert.equal(mention!.silent, true);
      assert.equal((await get(`/api/v1/statuses/${id}`, bob)).status, 200);

      const third = await instance.request('PUT', `/api/v1/statuses/${id}`, { token: alice.token, json: { status: 'third', poll: { options: ['x', 'y'], expires_in: 600 } } });
      assert.equal(third.status, 200, third.text);
      assert.deepEqual(
        third.body.poll.options.map((o: { title: string }) => o.title),
        ['x', 'y'],
      );

      const history = await get(`/api/v1/statuses/${id}/history`, bob);
      assert.equal(history.status, 200, history.text);
      assert.equal(history.body.length, 3);
      assert.equal(history.body[0].content, original.body.content);
      assert.equal(history.body[0].created_at, original.body.created_at);
      assert.equal(history.body[1].spoiler_text, 'cw');
      assert.equal(history.body[2].content, '<p>third</p>');
      assert.deepEqual(history.body[2].poll, { options: [{ title: 'x' }, { title: 'y' }] });
      assert.equal(history.body[2].account.id, alice.accountId);
      assert.deepEqual(history.body[0].media_attachments, []);
      assert.deepEqual(history.body[0].emojis, []);
      const edits = await instance.ctx.db.select().from(statusEdits).where(eq(statusEdits.statusId, id));
      assert.equal(edits.length, 3);

      const source = await get(`/api/v1/statuses/${id}/source`, alice);
      assert.deepEqual(source.body, { id, text: 'third', spoiler_text: '' });
    });

    it('gives a never-edited status a one-entry history', async () => {
      const res = await post(bob, { status: 'untouched' });
      const history = await get(`/api/v1/statuses/${res.body.id}/history`);
      assert.equal(history.status, 200, history.text);
      assert.equal(history.body.length, 1);
      assert.equal(history.body[0].content, '<p>untouched</p>');
    });

    it('keeps a status as it is when an edit changes nothing', async () => {
      const res = await post(bob, { status: 'same', language: 'en' });
      const edit = await instance.request('PUT', `/api/v1/statuses/${res.body.id}`, { token: bob.token, json: { status: 'same' } });
      assert.equal(edit.status, 200, edit.text);
      assert.equal(edit.body.edited_at, null);
      assert.equal(edit.body.language, 'en');
      const edits = await instance.ctx.db.select().from(statusEdits).where(eq(statusEdits.statusId, res.body.id));
      assert.equal(edits.length, 0);
    });

    it("refuses to edit someone else's status or to go over the limit", async () => {
      const res = await post(bob, { status: 'mine' });
      const other = await instance.request('PUT', `/api/v1/statuses/${res.body.id}`, { token: alice.token, json: { status: 'yours now' } });
      assert.equal(other.status, 404);
      const long = await instance.request('PUT', `/api/v1/statuses/${res.body.id}`, { token: bob.token, json: { status: 'x'.repeat(501) } });
      assert.equal(long.status, 422);
      assert.equal((await get(`/api/v1/statuses/${res.body.id}`, bob)).body.content, '<p>mine</p>');
      assert.equal((await get(`/api/v1/statuses/${res.body.id}/history`)).body.length, 1);
    });
  });

  describe('deleting', () => {
    it('deletes a status, answering with its source for redrafting', async () => {
      const parent = await post(carol, { status: 'parent' });
      const reply = await post(bob, { status: 'to be #deleted', in_reply_to_id: parent.body.id });
      assert.equal((await get(`/api/v1/statuses/${parent.body.id}`)).body.replies_count, 1);
      const before = await account(bob.accountId);
      const res = await instance.request('DELETE', `/api/v1/statuses/${reply.body.id}`, { token: bob.token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, reply.body.id);
      assert.equal(res.body.text, 'to be #deleted');
      assert.equal(res.body.content, undefined);
      assert.equal(res.body.in_reply_to_id, parent.body.id);
      assert.equal((await get(`/api/v1/statuses/${reply.body.id}`, bob)).status, 404);
      assert.equal((await account(bob.accountId)).statusesCount, before.statusesCount - 1);
      assert.equal((await get(`/api/v1/statuses/${parent.body.id}`)).body.replies_count, 0);
      const again = await instance.request('DELETE', `/api/v1/statuses/${reply.body.id}`, { token: bob.token });
      assert.equal(again.status, 404);
    });

    it("does not delete someone else's status", async () => {
      const res = await post(bob, { status: 'keep' });
      const other = await instance.request('DELETE', `/api/v1/statuses/${res.body.id}`, { token: alice.token });
      assert.equal(other.status, 404);
      assert.equal((await get(`/api/v1/statuses/${res.body.id}`)).status, 200);
    });
  });
});
