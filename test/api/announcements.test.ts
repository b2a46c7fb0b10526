import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { announcementReactions, announcements, customEmojis, users } from '../../src/db/schema.ts';
import { channels, subscribedKey, type StreamMessage } from '../../src/streaming/channels.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { runSubspace, waitFor } from '../helpers/process.ts';

describe('announcements', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    await instance.ctx.db.insert(customEmojis).values([
      { shortcode: 'blobcat', imageUrl: '/emoji/blobcat.png', staticImageUrl: '/emoji/blobcat_static.png' },
      { shortcode: 'retired', imageUrl: '/emoji/retired.png', staticImageUrl: '/emoji/retired.png', disabled: true },
      { shortcode: 'farcat', domain: 'far.example', imageUrl: 'https://far.example/farcat.png', staticImageUrl: 'https://far.example/farcat.png' },
    ]);
  });
  after(async () => {
    await instance?.close();
  });

  const get = (who: TestUser | string, path: string) => instance.request('GET', path, { token: typeof who === 'string' ? who : who.token });
  const send = (who: TestUser | string, method: string, path: string) => instance.request(method, path, { token: typeof who === 'string' ? who : who.token });
  const cli = (...args: string[]) => runAdminCommand(instance.ctx, ['announcements', ...args]);
  const react = (who: TestUser | string, id: string, name: string, method = 'PUT') => send(who, method, `/api/v1/announcements/${id}/reactions/${encodeURIComponent(name)}`);

  /** Creates (and by default publishes) an announcement through the CLI; returns its id. */
  async function announce(text: string, ...options: string[]): Promise<string> {
    const result = await cli('create', text, ...options);
    assert.equal(result.exitCode, 0, result.stderr);
    const id = /^ID: (\d+)$/m.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    return id;
  }

  async function visible(who: TestUser, query = '') {
    const response = await get(who, `/api/v1/announcements${query}`);
    assert.equal(response.status, 200, response.text);
    return response.body as Record<string, any>[];
  }

  async function tokenWith(user: TestUser, scopes: string): Promise<string> {
    return (await issueToken(instance.ctx, { applicationId: null, userId: user.userId, scopes: scopes.split(' ') })).accessToken;
  }

  /** Collects what the streaming tier would get on a member's home channel; `listened` sets the `subscribed:` marker. */
  async function listen(who: TestUser, listened = true) {
    const channel = channels.home(who.accountId);
    if (listened) await instance.ctx.cache.set(subscribedKey(channel), '1', 60);
    const messages: StreamMessage[] = [];
    const stop = await instance.ctx.pubsub.subscribe(channel, (message) => messages.push(JSON.parse(message) as StreamMessage));
    return {
      messages,
      stop,
      next: (what: string, match: (message: StreamMessage) => boolean) => waitFor(what, async () => messages.find(match)),
      /** waits until whatever was published on the channel before now has arrived: a probe published after it arrives after it */
      async caughtUp() {
        const probe = { event: 'test.probe', payload: String(Math.random()) };
        await instance.ctx.pubsub.publish(channel, JSON.stringify(probe));
        await waitFor(`the probe on ${channel}`, async () => messages.find((m) => m.event === probe.event && m.payload === probe.payload));
        messages.splice(
          messages.findIndex((m) => m.event === probe.event),
          1,
        );
      },
    };
  }

  const pendingDefaultJobs = async () => (await instance.ctx.queue.counts()).default;

  test('lists published announcements in order, with content, mentions, tags, emojis and linked statuses', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'public news', visibility: 'public' } });
    const secret = await instance.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'secret', visibility: 'private' } });
    assert.equal(posted.status, 200, posted.text);
    const later = await announce('Second, but starts later', '--starts-at', '2099-01-01', '--ends-at', '2099-01-02', '--all-day');
    const first = await announce(`Hello @bob, #Maintenance tonight :blobcat: :retired: :farcat:\n\n${posted.body.url} ${secret.body.url}`);

    const list = await visible(alice);
    const ids = list.map((a) => a.id);
    assert.ok(ids.indexOf(first) < ids.indexOf(later), 'chronological: by start, else publication');
    const entity = list.find((a) => a.id === first)!;
    assert.deepEqual(Object.keys(entity).sort(), ['all_day', 'content', 'emojis', 'ends_at', 'id', 'mentions', 'published_at', 'reactions', 'read', 'starts_at', 'statuses', 'tags', 'updated_at']);
    assert.equal(typeof entity.id, 'string');
    assert.match(
      entity.content,
      /^<p>Hello <span class="h-card" translate="no"><a href="[^"]+" class="u-url mention">@<span>bob<\/span><\/a><\/span>, <a href="http:\/\/subspace\.test\/tags\/Maintenance" class="mention hashtag" rel="tag">#<span>Maintenance<\/span><\/a>/,
    );
    assert.deepEqual(entity.mentions, [{ id: bob.accountId, username: 'bob', url: 'http://subspace.test/@bob', acct: 'bob' }]);
    assert.deepEqual(entity.tags, [{ name: 'maintenance', url: 'http://subspace.test/tags/maintenance' }]);
    assert.deepEqual(
      entity.emojis.map((e: { shortcode: string }) => e.shortcode),
      ['blobcat'],
    );
    assert.equal(entity.emojis[0].url, 'http://subspace.test/emoji/blobcat.png');
    assert.deepEqual(entity.statuses, [{ id: posted.body.id, url: posted.body.url }], 'public statuses only');
    assert.equal(entity.read, false);
    assert.deepEqual(entity.reactions, []);
    assert.equal(entity.starts_at, null);
    assert.equal(entity.all_day, false);
    assert.ok(Date.parse(entity.published_at) > 0);
    const event = list.find((a) => a.id === later)!;
    assert.equal(event.starts_at, '2099-01-01T00:00:00.000Z');
    assert.equal(event.ends_at, '2099-01-02T00:00:00.000Z');
    assert.equal(event.all_day, true);

    assert.equal((await cli('unpublish', later)).exitCode, 0);
    assert.ok(!(await visible(alice)).some((a) => a.id === later), 'unpublished announcements are not listed');
    assert.equal((await cli('delete', later)).exitCode, 0);
  });

  test('dismissing marks an announcement read and hides it unless with_dismissed', async () => {
    const id = await announce('Please read me');
    for (let i = 0; i < 2; i++) {
      const dismissed = await send(alice, 'POST', `/api/v1/announcements/${id}/dismiss`);
      assert.equal(dismissed.status, 200, dismissed.text);
      assert.deepEqual(dismissed.body, {});
    }
    assert.ok(!(await visible(alice)).some((a) => a.id === id));
    const all = await visible(alice, '?with_dismissed=true');
    assert.equal(all.find((a) => a.id === id)?.read, true);
    assert.equal((await visible(bob)).find((a) => a.id === id)?.read, false, 'dismissals are per member');
  });

  test('bad requests are refused and change nothing', async () => {
    const id = await announce('Guarded');
    const readOnly = await tokenWith(alice, 'read');
    const writeOnly = await tokenWith(alice, 'write');
    assert.equal((await instance.request('GET', '/api/v1/announcements')).status, 401);
    assert.equal((await get(writeOnly, '/api/v1/announcements')).status, 403);
    assert.equal((await send(readOnly, 'POST', `/api/v1/announcements/${id}/dismiss`)).status, 403);
    assert.equal((await react(readOnly, id, '👍')).status, 403);
    assert.equal((await send(await tokenWith(alice, 'write:accounts'), 'POST', `/api/v1/announcements/${id}/dismiss`)).status, 200);

    for (const bad of ['0', '999999999999', 'abc', '99999999999999999999999']) {
      const dismissed = await send(bob, 'POST', `/api/v1/announcements/${bad}/dismiss`);
      assert.equal(dismissed.status, 404, bad);
      assert.deepEqual(dismissed.body, { error: 'Record not found' });
      assert.equal((await react(bob, bad, '👍')).status, 404);
    }
    await cli('unpublish', id);
    assert.equal((await send(bob, 'POST', `/api/v1/announcements/${id}/dismiss`)).status, 404, 'unpublished');
    assert.equal((await react(bob, id, '👍')).status, 404);
    assert.equal((await cli('delete', id)).exitCode, 0);
  });

  test('reactions: unicode and local custom emoji, counts, me, the limit of 8, and removal', async () => {
    const id = await announce('React to me');
    const reactionsFor = async (who: TestUser) => (await visible(who, '?with_dismissed=true')).find((a) => a.id === id)!.reactions;

    assert.equal((await react(alice, id, '👍')).status, 200);
    assert.equal((await react(alice, id, '👍')).status, 200, 'reacting again is harmless');
    assert.equal((await react(bob, id, '👍')).status, 200);
    assert.equal((await react(bob, id, 'blobcat')).status, 200);
    assert.equal((await react(bob, id, '❤')).status, 200, 'an emoji without its variation selector');
    assert.deepEqual(await reactionsFor(alice), [
      { name: '👍', count: 2, me: true },
      { name: 'blobcat', count: 1, me: false, url: 'http://subspace.test/emoji/blobcat.png', static_url: 'http://subspace.test/emoji/blobcat_static.png' },
      { name: '❤', count: 1, me: false },
    ]);

    for (const bad of ['nope', 'retired', 'farcat', '👍👍', 'a', ' ']) {
      const response = await react(alice, id, bad);
      assert.equal(response.status, 422, bad);
      assert.match(response.body.error, /^Validation failed: Name (is not a recognized emoji|can't be blank)$/);
    }
    const more = ['😀', '🎉', '🚀', '🐈', '🌈'];
    for (const name of more) assert.equal((await react(alice, id, name)).status, 200, name);
    const overLimit = await react(alice, id, '🦄');
    assert.equal(overLimit.status, 422);
    assert.deepEqual(overLimit.body, { error: 'Validation failed: Limit of different reactions reached' });
    assert.equal((await react(bob, id, '🎉')).status, 200, 'an existing reaction may still be joined');
    assert.equal((await reactionsFor(bob)).length, 8);

    assert.equal((await react(alice, id, '👍', 'DELETE')).status, 200);
    assert.equal((await react(alice, id, '👍', 'DELETE')).status, 404);
    assert.equal((await react(alice, id, 'blobcat', 'DELETE')).status, 404, 'only one’s own reaction');
    assert.deepEqual((await reactionsFor(alice))[0], { name: '👍', count: 1, me: false });
    const rows = await instance.ctx.db.select().from(announcementReactions).where(eq(announcementReactions.announcementId, id));
    assert.equal(rows.length, 9);
    assert.ok(rows.find((row) => row.name === 'blobcat')?.customEmojiId);
    assert.equal((await cli('delete', id)).exitCode, 0);
    assert.equal((await instance.ctx.db.select().from(announcementReactions).where(eq(announcementReactions.announcementId, id))).length, 0);
  });

  test('the CLI: create, list, publish, unpublish, delete, and bad input', async () => {
    const bad = [
      ['create'],
      ['create', '   '],
      ['create', 'a', 'b'],
      ['create', 'x', '--starts-at', '2030-01-01'],
      ['create', 'x', '--ends-at', '2030-01-01'],
      ['create', 'x', '--starts-at', '2030-01-02', '--ends-at', '2030-01-01'],
      ['create', 'x', '--scheduled-at', 'tomorrow'],
      ['create', 'x', '--shiny'],
      ['publish'],
      ['publish', 'abc'],
      ['frobnicate'],
      [],
    ];
    const before = await instance.ctx.db.select().from(announcements);
    for (const args of bad) {
      const result = await cli(...args);
      assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^subspace: .+\nUsage:/);
    }
    assert.equal((await instance.ctx.db.select().from(announcements)).length, before.length, 'nothing was created');

    const id = await announce('Line one of a long announcement\nline two');
    assert.match((await cli('list')).stdout, new RegExp(`^${id}\\s+published \\S+\\s+Line one of a long announcement…$`, 'm'));
    assert.equal((await cli('publish', id)).stdout, 'OK (it was already published)\n');
    assert.equal((await cli('unpublish', id)).stdout, 'OK\n');
    assert.match((await cli('list')).stdout, new RegExp(`^${id}\\s+unpublished\\s+Line one`, 'm'));
    assert.equal((await cli('unpublish', id)).stdout, 'OK (it was not published)\n');
    assert.equal((await cli('publish', id)).stdout, 'OK\n');
    assert.ok((await visible(alice)).some((a) => a.id === id));
    assert.equal((await cli('delete', id)).stdout, 'OK\n');
    const gone = await cli('delete', id);
    assert.equal(gone.exitCode, 1);
    assert.equal(gone.stderr, `subspace: no announcement with id ${id}\n`);
    assert.equal((await cli('publish', '123')).exitCode, 1);
  });

  test('the CLI as a separate process reaches the running instance', async () => {
    const running = runSubspace(['announcements', 'create', 'From the shell', '--starts-at', '2031-05-01T10:00:00Z', '--ends-at', '2031-05-01T12:00:00Z'], instance.env);
    assert.equal(await running.exited, 0, running.output());
    const id = /^ID: (\d+)$/m.exec(running.output())?.[1];
    assert.ok(id, running.output());
    const shown = (await visible(alice)).find((a) => a.id === id);
    assert.equal(shown?.starts_at, '2031-05-01T10:00:00.000Z');
    assert.equal((await cli('delete', id)).exitCode, 0);
  });

  test('a scheduled announcement publishes itself when due; an unpublished schedule never does', async () => {
    const stream = await listen(alice);
    try {
      const soon = new Date(Date.now() + 1500).toISOString();
      const id = await announce('Scheduled', '--scheduled-at', soon);
      const cancelled = await announce('Cancelled', '--scheduled-at', soon);
      assert.match((await cli('list')).stdout, new RegExp(`^${id}\\s+scheduled ${soon.replace(/\./g, '\\.')}`, 'm'));
      assert.ok(!(await visible(alice)).some((a) => a.id === id), 'not before it is due');
      assert.equal((await cli('unpublish', cancelled)).stdout, 'OK\n');

      const shown = await waitFor('the scheduled announcement', async () => (await visible(alice)).find((a) => a.id === id));
      assert.ok(Date.parse(shown.published_at) >= Date.parse(soon) - 5_000);
      const message = await stream.next('its streaming event', (m) => m.event === 'announcement' && JSON.parse(m.payload!).id === id);
      assert.equal(JSON.parse(message.payload!).content, '<p>Scheduled</p>');

      await waitFor('the jobs to run', async () => (await pendingDefaultJobs()) === 0);
      const [row] = await instance.ctx.db.select().from(announcements).where(eq(announcements.id, cancelled));
      assert.equal(row!.published, false);
      assert.equal(row!.scheduledAt, null);
      assert.ok(!stream.messages.some((m) => m.payload?.includes(cancelled)));
      await cli('delete', id);
      await cli('delete', cancelled);
    } finally {
      await stream.stop();
    }
  });

  test('publishing, reactions, unpublishing and deleting reach the listened home channels of active members', async () => {
    const carol = await instance.createUser('carol');
    // carol has not been seen for a month: no longer active
    await instance.ctx.db
      .update(users)
      .set({ createdAt: new Date(Date.now() - 30 * 86_400_000), currentSignInAt: null })
      .where(eq(users.id, carol.userId));
    const aliceStream = await listen(alice);
    const bobStream = await listen(bob, false);
    const carolStream = await listen(carol);
    try {
      const id = await announce('Streamed news :blobcat:');
      const published = await aliceStream.next('announcement', (m) => m.event === 'announcement' && JSON.parse(m.payload!).id === id);
      const payload = JSON.parse(published.payload!);
      assert.equal(payload.content, '<p>Streamed news :blobcat:</p>');
      assert.equal('read' in payload, false, 'rendered for nobody');
      assert.deepEqual(payload.reactions, []);
      assert.equal(payload.emojis[0].shortcode, 'blobcat');

      assert.equal((await react(bob, id, '👍')).status, 200);
      const reaction = await aliceStream.next('announcement.reaction', (m) => m.event === 'announcement.reaction');
      assert.deepEqual(JSON.parse(reaction.payload!), { name: '👍', count: 1, announcement_id: id });
      assert.equal((await react(alice, id, 'blobcat')).status, 200);
      const custom = await aliceStream.next('custom reaction', (m) => m.event === 'announcement.reaction' && JSON.parse(m.payload!).name === 'blobcat');
      assert.deepEqual(JSON.parse(custom.payload!), {
        name: 'blobcat',
        count: 1,
        url: 'http://subspace.test/emoji/blobcat.png',
        static_url: 'http://subspace.test/emoji/blobcat_static.png',
        announcement_id: id,
      });
      assert.equal((await react(bob, id, '👍', 'DELETE')).status, 200);
      await aliceStream.next('reaction taken back', (m) => m.event === 'announcement.reaction' && JSON.parse(m.payload!).count === 0);

      assert.equal((await cli('unpublish', id)).exitCode, 0);
      const withdrawn = await aliceStream.next('announcement.delete', (m) => m.event === 'announcement.delete');
      assert.equal(withdrawn.payload, id);

      const second = await announce('Another');
      await aliceStream.next('second announcement', (m) => m.event === 'announcement' && JSON.parse(m.payload!).id === second);
      assert.equal((await cli('delete', second)).exitCode, 0);
      await aliceStream.next('deletion', (m) => m.event === 'announcement.delete' && m.payload === second);

      await waitFor('the jobs to run', async () => (await pendingDefaultJobs()) === 0);
      await Promise.all([aliceStream.caughtUp(), bobStream.caughtUp(), carolStream.caughtUp()]);
      assert.deepEqual(bobStream.messages, [], 'nobody listens to bob');
      assert.deepEqual(carolStream.messages, [], 'carol is not active');
      assert.equal(aliceStream.messages.filter((m) => m.payload === id || m.payload?.includes(`"${id}"`)).length, 5);
      await cli('delete', id);
    } finally {
      await Promise.all([aliceStream.stop(), bobStream.stop(), carolStream.stop()]);
    }
  });
});
