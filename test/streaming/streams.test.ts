import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { after, before, describe, it } from 'node:test';
import { WebSocket as WsClient } from 'ws';
import { oauthAccessTokens, users } from '../../src/db/schema.ts';
import { createAnnouncement, unpublishAnnouncement } from '../../src/services/instance/announcements.ts';
import { modifyUser } from '../../src/services/accounts/modify-user.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { channels, publishToStream } from '../../src/streaming/channels.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { openEventStream, openWebSocket, untilListening, untilNotListening, type StreamClient, type StreamEvent } from '../helpers/stream-clients.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

type Transport = 'websocket' | 'sse';

interface Opened extends StreamClient {
  errors?: unknown[];
}

/** SSE paths of the stream names, as Mastodon maps them. */
function ssePath(stream: string, params: { tag?: string; list?: string }): string {
  const [base, ...rest] = stream.split(':');
  const media = rest.includes('media');
  const sub = rest.filter((part) => part !== 'media');
  const query = new URLSearchParams();
  if (media) query.set('only_media', 'true');
  if (params.tag) query.set('tag', params.tag);
  if (params.list) query.set('list', params.list);
  const path = [base, ...sub.map((part) => (part === 'notification' ? 'notification' : part))].join('/');
  return `${path}${query.size ? `?${query}` : ''}`;
}

/** Waits until an event matching `match` arrives; and, with `absent`, that nothing matching it came before a later probe. */
const isStatus = (event: StreamEvent, name: string, text: string) =>
  event.event === name && typeof event.payload === 'object' && String((event.payload as { content?: string }).content).includes(text);

for (const transport of ['websocket', 'sse'] as Transport[]) {
  describe(`streaming over ${transport === 'sse' ? 'Server-Sent Events' : 'WebSocket'}`, () => {
    let instance: TestInstance;
    let alice: Awaited<ReturnType<TestInstance['createUser']>>;
    let bob: Awaited<ReturnType<TestInstance['createUser']>>;
    let carol: Awaited<ReturnType<TestInstance['createUser']>>;
    const clients: StreamClient[] = [];

    before(async () => {
      instance = await startInstance();
      alice = await instance.createUser('alice');
      bob = await instance.createUser('bob');
      carol = await instance.createUser('carol');
      const follow = await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token });
      assert.equal(follow.status, 200, follow.text);
    });
    after(async () => {
      for (const client of clients) client.close();
      await instance.close();
    });

    /** Opens a stream and waits until the server listens on `probeChannel`. */
    async function open(token: string, stream: string, params: { tag?: string; list?: string } = {}, probeChannel?: string): Promise<Opened> {
      const client: Opened = transport === 'websocket' ? await openWebSocket(instance.url, { token, stream, ...params }) : await openEventStream(instance.url, ssePath(stream, params), token);
      clients.push(client);
      if (probeChannel) await untilListening(client, (probe) => publishToStream(instance.ctx, probeChannel, 'delete', probe));
      return client;
    }

    /** Proof that nothing matching came: a probe published after the action arrives, and no match before it. */
    async function assertNothing(client: StreamClient, probeChannel: string, match: (event: StreamEvent) => boolean) {
      await untilListening(client, (probe) => publishToStream(instance.ctx, probeChannel, 'delete', probe));
      // the jobs that publish run asynchronously: let them finish, then probe again
      await queuesDrained(instance);
      await untilListening(client, (probe) => publishToStream(instance.ctx, probeChannel, 'delete', probe));
      assert.equal(client.events.filter(match).length, 0, `unexpected event: ${JSON.stringify(client.events.filter(match))}`);
    }

    async function post(token: string, status: string, extra: Record<string, unknown> = {}) {
      const response = await instance.request('POST', '/api/v1/statuses', { token, json: { status, ...extra } });
      assert.equal(response.status, 200, response.text);
      return response.body as { id: string };
    }

    it('user: the home `update` and the mention `notification`', async () => {
      const stream = await open(bob.token, 'user', {}, channels.home(bob.accountId));
      await post(alice.token, `hello @bob from ${transport}`);
      const update = await stream.next((event) => isStatus(event, 'update', `from ${transport}`));
      if (transport === 'websocket') assert.deepEqual(update.stream, ['user']);
      const payload = update.payload as Record<string, unknown>;
      assert.equal((payload.account as { id: string }).id, alice.accountId);
      assert.equal(payload.favourited, false, 'rendered for the recipient');
      const notification = await stream.next((event) => event.event === 'notification');
      assert.equal((notification.payload as { type: string }).type, 'mention');
      assert.equal(typeof notification.raw, 'string');
    });

    it('user:notification carries notifications and no statuses', async () => {
      const stream = await open(bob.token, 'user:notification', {}, channels.notifications(bob.accountId));
      await post(alice.token, `notify only @bob ${transport}`);
      const notification = await stream.next((event) => event.event === 'notification');
      assert.equal((notification.payload as { status: { content: string } }).status.content.includes('notify only'), true);
      await assertNothing(stream, channels.notifications(bob.accountId), (event) => event.event === 'update');
    });

    it('public and public:local carry local public posts; public:remote and :media do not', async () => {
      const all = await open(carol.token, 'public', {}, channels.public('all'));
      const local = await open(carol.token, 'public:local', {}, channels.public('local'));
      const remote = await open(carol.token, 'public:remote', {}, channels.public('remote'));
      const media = await open(carol.token, 'public:media', {}, channels.public('all', true));
      await post(alice.token, `public news ${transport}`);
      const received = await all.next((event) => isStatus(event, 'update', `public news ${transport}`));
      assert.equal((received.payload as Record<string, unknown>).favourited, undefined, 'rendered without a viewer');
      await local.next((event) => isStatus(event, 'update', `public news ${transport}`));
      await assertNothing(remote, channels.public('remote'), (event) => event.event === 'update');
      await assertNothing(media, channels.public('all', true), (event) => event.event === 'update');
    });

    it('unlisted posts and replies to others stay out of public streams', async () => {
      const all = await open(carol.token, 'public', {}, channels.public('all'));
      const parent = await post(carol.token, 'a thread starter');
      await post(alice.token, `unlisted ${transport}`, { visibility: 'unlisted' });
      await post(alice.token, `@carol a reply ${transport}`, { in_reply_to_id: parent.id });
      await assertNothing(all, channels.public('all'), (event) => isStatus(event, 'update', transport) && !isStatus(event, 'update', 'starter'));
    });

    it('private and direct posts stay out of public and hashtag streams', async () => {
      const all = await open(carol.token, 'public', {}, channels.public('all'));
      const tag = await open(carol.token, 'hashtag', { tag: 'secrets' }, channels.hashtag('secrets'));
      await post(alice.token, `followers only #secrets ${transport}`, { visibility: 'private' });
      await post(alice.token, `@bob just us #secrets ${transport}`, { visibility: 'direct' });
      const leaked = (e: StreamEvent) => e.event === 'update' && String((e.payload as { content?: string }).content).includes('secrets');
      await assertNothing(all, channels.public('all'), leaked);
      await assertNothing(tag, channels.hashtag('secrets'), leaked);
    });

    it('hashtag and hashtag:local', async () => {
      const tag = await open(carol.token, 'hashtag', { tag: 'Cats' }, channels.hashtag('cats'));
      const localTag = await open(carol.token, 'hashtag:local', { tag: 'cats' }, channels.hashtag('cats', true));
      await post(alice.token, `look #cats ${transport}`);
      const event = await tag.next((e) => isStatus(e, 'update', `look`));
      if (transport === 'websocket') assert.deepEqual(event.stream, ['hashtag', 'Cats']);
      await localTag.next((e) => isStatus(e, 'update', 'look'));
    });

    it("list: only its owner, with the list members' posts", async () => {
      const list = await instance.request('POST', '/api/v1/lists', { token: bob.token, json: { title: `friends ${transport}` } });
      assert.equal(list.status, 200, list.text);
      const added = await instance.request('POST', `/api/v1/lists/${list.body.id}/accounts`, { token: bob.token, json: { account_ids: [alice.accountId] } });
      assert.equal(added.status, 200, added.text);
      const stream = await open(bob.token, 'list', { list: list.body.id }, channels.list(list.body.id));
      await post(alice.token, `for my list ${transport}`);
      const event = await stream.next((e) => isStatus(e, 'update', 'for my list'));
      if (transport === 'websocket') assert.deepEqual(event.stream, ['list', list.body.id]);

      // someone else's list is not theirs to stream
      if (transport === 'sse') {
        await assert.rejects(openEventStream(instance.url, `list?list=${list.body.id}`, carol.token), (error: { status: number }) => error.status === 401);
      } else {
        const other = await openWebSocket(instance.url, { token: carol.token, stream: 'list', list: list.body.id });
        clients.push(other);
        const error = await other.next((e) => e.event === 'error');
        assert.deepEqual(error.payload, { error: 'Not authorized to stream this list', status: 401 });
      }
    });

    it('direct: a `conversation` for each participant', async () => {
      const stream = await open(bob.token, 'direct', {}, channels.direct(bob.accountId));
      await post(alice.token, `@bob psst ${transport}`, { visibility: 'direct' });
      const event = await stream.next((e) => e.event === 'conversation');
      const conversation = event.payload as { accounts: { id: string }[]; last_status: { content: string }; unread: boolean };
      assert.deepEqual(
        conversation.accounts.map((a) => a.id),
        [alice.accountId],
      );
      assert.match(conversation.last_status.content, /psst/);
      assert.equal(conversation.unread, true);
    });

    it('status.update and delete reach home and public streams', async () => {
      const home = await open(bob.token, 'user', {}, channels.home(bob.accountId));
      const all = await open(carol.token, 'public', {}, channels.public('all'));
      const status = await post(alice.token, `first draft ${transport}`);
      await home.next((e) => isStatus(e, 'update', 'first draft'));
      const edited = await instance.request('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, json: { status: `second draft ${transport}` } });
      assert.equal(edited.status, 200, edited.text);
      const update = await home.next((e) => isStatus(e, 'status.update', 'second draft'));
      assert.ok((update.payload as { edited_at: string | null }).edited_at);
      await all.next((e) => isStatus(e, 'status.update', 'second draft'));

      const deleted = await instance.request('DELETE', `/api/v1/statuses/${status.id}`, { token: alice.token });
      assert.equal(deleted.status, 200, deleted.text);
      await home.next((e) => e.event === 'delete' && e.raw === status.id);
      await all.next((e) => e.event === 'delete' && e.raw === status.id);
    });

    it('filters_changed when the member edits their filters', async () => {
      const stream = await open(bob.token, 'user', {}, channels.home(bob.accountId));
      const created = await instance.request('POST', '/api/v2/filters', {
        token: bob.token,
        json: { title: 'noise', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'unrelated' }] },
      });
      assert.equal(created.status, 200, created.text);
      const event = await stream.next((e) => e.event === 'filters_changed');
      assert.equal(event.payload === undefined || event.payload === 'undefined', true);
      await instance.request('DELETE', `/api/v2/filters/${created.body.id}`, { token: bob.token });
    });

    it("announcement, announcement.reaction and announcement.delete reach every member's user stream", async () => {
      const stream = await open(carol.token, 'user', {}, channels.home(carol.accountId));
      const announcement = await createAnnouncement(instance.ctx, { text: `Maintenance tonight (${transport})` });
      const published = await stream.next((e) => e.event === 'announcement');
      assert.equal((published.payload as { id: string }).id, announcement.id);
      assert.match((published.payload as { content: string }).content, /Maintenance tonight/);

      const reacted = await instance.request('PUT', `/api/v1/announcements/${announcement.id}/reactions/${encodeURIComponent('👍')}`, { token: bob.token });
      assert.equal(reacted.status, 200, reacted.text);
      const reaction = await stream.next((e) => e.event === 'announcement.reaction');
      assert.deepEqual(reaction.payload, { name: '👍', count: 1, announcement_id: announcement.id });

      await unpublishAnnouncement(instance.ctx, announcement.id);
      const withdrawn = await stream.next((e) => e.event === 'announcement.delete');
      assert.equal(withdrawn.raw, announcement.id);
    });

    it('public streams are filtered per viewer: mutes, blocks, languages and keyword filters', async () => {
      const viewer = await instance.createUser(`viewer_${transport}`);
      const muted = await instance.createUser(`muted_${transport}`);
      const blocker = await instance.createUser(`blocker_${transport}`);
      assert.equal((await instance.request('POST', `/api/v1/accounts/${muted.accountId}/mute`, { token: viewer.token })).status, 200);
      assert.equal((await instance.request('POST', `/api/v1/accounts/${viewer.accountId}/block`, { token: blocker.token })).status, 200);
      const hide = await instance.request('POST', '/api/v2/filters', {
        token: viewer.token,
        json: { title: 'spoilers', context: ['public'], filter_action: 'hide', keywords_attributes: [{ keyword: 'ending' }] },
      });
      assert.equal(hide.status, 200, hide.text);
      const warn = await instance.request('POST', '/api/v2/filters', {
        token: viewer.token,
        json: { title: 'politics', context: ['public'], filter_action: 'warn', keywords_attributes: [{ keyword: 'election' }] },
      });
      assert.equal(warn.status, 200, warn.text);
      await instance.ctx.db
        .update(users)
        .set({ chosenLanguages: ['en'] })
        .where(eq(users.accountId, viewer.accountId));

      const stream = await open(viewer.token, 'public:local', {}, channels.public('local'));
      const tag = transport;
      await post(muted.token, `muted voice ${tag}`);
      await post(blocker.token, `blocker voice ${tag}`);
      await post(alice.token, `the ending was sad ${tag}`);
      await post(alice.token, `bonjour ${tag}`, { language: 'fr' });
      await post(alice.token, `@${muted.username} mentions the muted ${tag}`);
      await post(alice.token, `the election is near ${tag}`);
      await post(alice.token, `a plain english post ${tag}`, { language: 'en' });

      await stream.next((e) => isStatus(e, 'update', 'a plain english post'));
      await assertNothing(stream, channels.public('local'), (e) => ['muted voice', 'blocker voice', 'ending', 'bonjour', 'mentions the muted'].some((text) => isStatus(e, 'update', text)));
      const warned = await stream.next((e) => isStatus(e, 'update', 'election'));
      const filtered = (warned.payload as { filtered: { filter: { title: string }; keyword_matches: string[] }[] }).filtered;
      assert.equal(filtered[0]!.filter.title, 'politics');
      assert.deepEqual(filtered[0]!.keyword_matches, ['election']);
      const leaked = stream.events.filter((e) => e.event === 'update' && ['muted voice', 'blocker voice', 'ending', 'bonjour', 'mentions the muted'].some((text) => isStatus(e, 'update', text)));
      assert.deepEqual(
        leaked.map((e) => (e.payload as { content: string }).content),
        [],
      );

      // another viewer sees them all, unfiltered
      const other = await open(carol.token, 'public:local', {}, channels.public('local'));
      await post(muted.token, `muted again ${tag}`);
      await other.next((e) => isStatus(e, 'update', 'muted again'));

      // a mute made while connected applies at once (the streaming tier follows relation events)
      assert.equal((await instance.request('POST', `/api/v1/accounts/${carol.accountId}/mute`, { token: viewer.token })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await post(carol.token, `carol after the mute ${tag}`);
      await post(alice.token, `alice after the mute ${tag}`, { language: 'en' });
      await stream.next((e) => isStatus(e, 'update', 'alice after the mute'));
      await assertNothing(stream, channels.public('local'), (e) => isStatus(e, 'update', 'carol after the mute'));
    });

    it('remote statuses reach public:remote, unless their domain is blocked by the viewer', async () => {
      const viewer = await instance.createUser(`domainblocker_${transport}`);
      const blocked = await instance.request('POST', '/api/v1/domain_blocks', { token: viewer.token, json: { domain: 'blocked.example' } });
      assert.equal(blocked.status, 200, blocked.text);
      const blocking = await open(viewer.token, 'public:remote', {}, channels.public('remote'));
      const other = await open(carol.token, 'public:remote', {}, channels.public('remote'));
      // what fan-out publishes for a status that arrived from another server
      const remoteStatus = (id: string, acct: string) => JSON.stringify({ id, content: `<p>from afar ${id}</p>`, language: 'en', spoiler_text: '', account: { id: `9${id}`, acct }, mentions: [] });
      await publishToStream(instance.ctx, channels.public('remote'), 'update', remoteStatus('101', 'someone@blocked.example'));
      await publishToStream(instance.ctx, channels.public('remote'), 'update', remoteStatus('102', 'someone@fine.example'));
      await other.next((e) => isStatus(e, 'update', 'from afar 101'));
      await blocking.next((e) => isStatus(e, 'update', 'from afar 102'));
      await other.next((e) => isStatus(e, 'update', 'from afar 102'));
      assert.equal(blocking.events.filter((e) => isStatus(e, 'update', 'from afar 101')).length, 0);
    });

    it('answers handshakes that arrive together each for its own token', async () => {
      const revoked = await issueToken(instance.ctx, { applicationId: null, userId: carol.userId, scopes: ['read'] });
      await instance.ctx.db.update(oauthAccessTokens).set({ revokedAt: new Date() }).where(eq(oauthAccessTokens.id, revoked.id));
      const tokens = [alice.token, bob.token, 'not-a-token', alice.token, revoked.accessToken, carol.token];
      const opened = await Promise.allSettled(
        tokens.map((token) => (transport === 'websocket' ? openWebSocket(instance.url, { token, stream: 'user' }) : openEventStream(instance.url, 'user', token))),
      );
      for (const result of opened) if (result.status === 'fulfilled') clients.push(result.value);
      assert.deepEqual(
        opened.map((result) => result.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
      );
      // each stream is its own account's: a post by alice reaches bob's home (he follows her), not carol's
      const [aliceStream, bobStream, , , , carolStream] = opened.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
      await untilListening(bobStream!, (probe) => publishToStream(instance.ctx, channels.home(bob.accountId), 'delete', probe));
      await post(alice.token, 'together at once');
      await bobStream!.next((e) => isStatus(e, 'update', 'together at once'));
      await assertNothing(carolStream!, channels.home(carol.accountId), (e) => isStatus(e, 'update', 'together at once'));
      assert.ok(aliceStream);
    });

    it('refuses missing, invalid and under-scoped tokens', async () => {
      if (transport === 'sse') {
        await assert.rejects(openEventStream(instance.url, 'public'), (e: { status: number; body: string }) => e.status === 401 && JSON.parse(e.body).error === 'Missing access token');
        await assert.rejects(openEventStream(instance.url, 'public', 'not-a-token'), (e: { status: number; body: string }) => e.status === 401 && JSON.parse(e.body).error === 'Invalid access token');
        const writeOnly = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['write'] });
        await assert.rejects(openEventStream(instance.url, 'user', writeOnly.accessToken), (e: { status: number }) => e.status === 401);
        // public streams need a token but no read scope, as in Mastodon
        const publicStream = await openEventStream(instance.url, 'public', writeOnly.accessToken);
        publicStream.close();
        const statusesOnly = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['read:statuses'] });
        await assert.rejects(openEventStream(instance.url, 'user/notification', statusesOnly.accessToken), (e: { status: number }) => e.status === 401);
        await assert.rejects(openEventStream(instance.url, 'nonsense', bob.token), (e: { status: number; body: string }) => e.status === 404 && JSON.parse(e.body).error === 'Unknown stream type');
        await assert.rejects(
          openEventStream(instance.url, 'hashtag', bob.token),
          (e: { status: number; body: string }) => e.status === 400 && JSON.parse(e.body).error === 'Missing tag name parameter',
        );
      } else {
        await assert.rejects(openWebSocket(instance.url, { stream: 'public' }));
        await assert.rejects(openWebSocket(instance.url, { token: 'not-a-token', stream: 'public' }));
        const writeOnly = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['write'] });
        const socket = await openWebSocket(instance.url, { token: writeOnly.accessToken, stream: 'user' });
        clients.push(socket);
        const error = await socket.next((e) => e.event === 'error');
        assert.deepEqual(error.payload, { error: 'Access token does not have the required scopes', status: 401 });
      }
    });

    it('a revoked token and a disabled login close their streams', async () => {
      const app = await instance.request('POST', '/api/v1/apps', { json: { client_name: 'Streamer', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' } });
      const member = await instance.createUser(`killed_${transport}`);
      const token = await issueToken(instance.ctx, { applicationId: app.body.id, userId: member.userId, scopes: ['read'] });
      const revoked = await open(token.accessToken, 'user', {}, channels.home(member.accountId));
      const other = await open(member.token, 'public', {}, channels.public('all'));
      const revoke = await instance.request('POST', '/oauth/revoke', { form: { client_id: app.body.client_id, client_secret: app.body.client_secret, token: token.accessToken } });
      assert.equal(revoke.status, 200, revoke.text);
      await revoked.closed;
      await untilListening(other, (probe) => publishToStream(instance.ctx, channels.public('all'), 'delete', probe));

      const [user] = await instance.ctx.db.select().from(users).where(eq(users.id, member.userId));
      await modifyUser(instance.ctx, user!, { disabled: true });
      await other.closed;
    });

    if (transport === 'websocket') {
      it('multiplexes streams with subscribe and unsubscribe, and reports bad ones', async () => {
        const socket = await openWebSocket(instance.url, { token: carol.token, tokenAsProtocol: true });
        clients.push(socket);
        assert.equal(socket.socket.protocol, carol.token, 'the token subprotocol is echoed');
        socket.send({ type: 'subscribe', stream: 'hashtag', tag: 'dogs' });
        socket.send({ type: 'subscribe', stream: 'public:local' });
        await untilListening(socket, (probe) => publishToStream(instance.ctx, channels.hashtag('dogs'), 'delete', probe));
        await untilListening(socket, (probe) => publishToStream(instance.ctx, channels.public('local'), 'delete', probe));
        await post(alice.token, 'woof #dogs');
        const viaTag = await socket.next((e) => isStatus(e, 'update', 'woof') && e.stream?.[0] === 'hashtag');
        assert.deepEqual(viaTag.stream, ['hashtag', 'dogs']);
        await socket.next((e) => isStatus(e, 'update', 'woof') && e.stream?.[0] === 'public:local');

        socket.send({ type: 'unsubscribe', stream: 'hashtag', tag: 'dogs' });
        await untilNotListening(
          socket,
          (probe) => publishToStream(instance.ctx, channels.hashtag('dogs'), 'delete', probe),
          (probe) => publishToStream(instance.ctx, channels.public('local'), 'delete', probe),
        );
        await post(alice.token, 'second woof #dogs');
        await socket.next((e) => isStatus(e, 'update', 'second woof') && e.stream?.[0] === 'public:local');
        await assertNothing(socket, channels.public('local'), (e) => isStatus(e, 'update', 'second woof') && e.stream?.[0] === 'hashtag');

        socket.send({ type: 'subscribe', stream: 'hashtag' });
        assert.deepEqual((await socket.next((e) => e.event === 'error')).payload, { error: 'Missing tag name parameter', status: 400 });
        socket.send({ type: 'subscribe', stream: 'everything' });
        await socket.next((e) => e.event === 'error' && (e.payload as { error: string }).error === 'Unknown stream type');

        socket.socket.send(new Uint8Array([1, 2, 3]));
        assert.equal((await socket.closed).code, 1003);
      });
    }

    it('answers its health check', async () => {
      const response = await instance.request('GET', '/api/v1/streaming/health');
      assert.equal(response.status, 200);
      assert.equal(response.text, 'OK');
    });
  });
}

describe('keeping connections alive', () => {
  let instance: TestInstance;
  let token: string;
  before(async () => {
    instance = await startInstance({ streaming: { heartbeatMs: 100, pingMs: 150 } });
    token = (await instance.createUser('pinged')).token;
  });
  after(() => instance.close());

  it('writes a `:thump` heartbeat to event streams', async () => {
    const stream = await openEventStream(instance.url, 'public', token);
    try {
      await stream.next((event) => event.event === ':thump', 5000);
    } finally {
      stream.close();
    }
  });

  it('pings WebSockets, and drops a client that stops answering', async () => {
    const url = `${instance.url.replace(/^http/, 'ws')}/api/v1/streaming?stream=public&access_token=${token}`;
    const answering = new WsClient(url);
    const silent = new WsClient(url, { autoPong: false });
    let pings = 0;
    silent.on('ping', () => (pings += 1));
    const closed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    await closed;
    assert.ok(pings >= 1, 'it was pinged before being dropped');
    assert.equal(answering.readyState, WsClient.OPEN, 'a client that answers stays');
    answering.close();
  });
});

describe('a web process without the streaming role', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ roles: { web: true }, env: { STREAMING_API_BASE_URL: 'wss://streaming.example.com' } });
  });
  after(() => instance.close());

  it('redirects streaming requests to STREAMING_API_BASE_URL, which the instance API advertises', async () => {
    const response = await fetch(`${instance.url}/api/v1/streaming/public?only_media=true`, { redirect: 'manual' });
    assert.equal(response.status, 301);
    assert.equal(response.headers.get('location'), 'https://streaming.example.com/api/v1/streaming/public?only_media=true');
    const v2 = await instance.request('GET', '/api/v2/instance');
    assert.equal(v2.body.configuration.urls.streaming, 'wss://streaming.example.com');
  });
});
