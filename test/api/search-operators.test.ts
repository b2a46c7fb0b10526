import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { mediaAttachments, previewCards, previewCardsStatuses, statuses, tags, tagTrends } from '../../src/db/schema.ts';
import { fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/** Mastodon 4's search operators, who finds what, stemming, and accounts and hashtags by likeness (issue 15). */
describe('search API (v2): operators, visibility and similarity', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });
  const searchAs = (user: TestUser | null, query: Record<string, string>) => call('GET', user, `/api/v2/search?${new URLSearchParams(query)}`);
  const found = async (user: TestUser, q: string, extra: Record<string, string> = {}) => {
    const res = await searchAs(user, { q, type: 'statuses', ...extra });
    assert.equal(res.status, 200, res.text);
    return res.body.statuses.map((s: { id: string }) => s.id);
  };

  async function post(user: TestUser, status: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await call('POST', user, '/api/v1/statuses', { status, ...extra });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  }

  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 24 * 3600 * 1000).toISOString().slice(0, 10);

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    const res = await call('PATCH', alice, '/api/v1/accounts/update_credentials', { indexable: true });
    assert.equal(res.status, 200, res.text);
  });
  after(() => instance.close());

  it("finds a non-indexable account's public post only for its author, and for others once they interacted with it", async () => {
    const id = await post(carol, 'Wombat burrows everywhere');
    assert.deepEqual(await found(bob, 'wombat'), [], 'not opened to search: others do not find it');
    assert.deepEqual(await found(carol, 'wombat'), [id], 'its author does');
    assert.equal((await call('POST', bob, `/api/v1/statuses/${id}/favourite`)).status, 200);
    assert.deepEqual(await found(bob, 'wombat'), [id], 'found once favourited');
    assert.deepEqual(await found(bob, 'wombat in:library'), [id]);
    assert.deepEqual(await found(bob, 'wombat in:public'), [], 'in:public is only what authors opened to search');
    assert.equal((await call('POST', bob, `/api/v1/statuses/${id}/unfavourite`)).status, 200);
    assert.deepEqual(await found(bob, 'wombat'), []);
    const reply = await call('POST', bob, '/api/v1/statuses', { status: '@carol nice', in_reply_to_id: id });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(await found(bob, 'wombat'), [id], 'found once replied to');
  });

  it('in:library keeps to what the searcher interacted with, in:public to indexable authors', async () => {
    const open = await post(alice, 'Ocelot in the open');
    const voted = await post(carol, 'Ocelot poll', { poll: { options: ['yes', 'no'], expires_in: 3600 } });
    assert.deepEqual(await found(bob, 'ocelot'), [open]);
    const poll = (await call('GET', bob, `/api/v1/statuses/${voted}`)).body.poll;
    assert.equal((await call('POST', bob, `/api/v1/polls/${poll.id}/votes`, { choices: ['0'] })).status, 200);
    assert.deepEqual(await found(bob, 'ocelot'), [voted, open], 'a poll voted in is searchable by the voter');
    assert.deepEqual(await found(bob, 'ocelot in:library'), [voted]);
    assert.deepEqual(await found(bob, 'ocelot in:public'), [open]);
    assert.deepEqual(await found(bob, 'ocelot in:all'), [voted, open]);
    const own = await post(bob, 'Ocelot of my own', { visibility: 'private' });
    assert.deepEqual(await found(bob, 'ocelot in:library'), [own, voted]);
  });

  it('from:, with me, a username and a handle, and its negation', async () => {
    const byAlice = await post(alice, 'Gecko climbing');
    const byBob = await post(bob, 'Gecko resting');
    assert.deepEqual(await found(bob, 'gecko'), [byBob, byAlice]);
    assert.deepEqual(await found(bob, 'gecko from:me'), [byBob]);
    assert.deepEqual(await found(bob, 'gecko from:alice'), [byAlice]);
    assert.deepEqual(await found(bob, `gecko from:@alice@${instance.config.localDomain}`), [byAlice]);
    assert.deepEqual(await found(bob, 'gecko -from:me'), [byAlice]);
    assert.deepEqual(await found(bob, 'gecko from:nobody'), [], 'an unknown author finds nothing');
    assert.deepEqual(await found(bob, 'from:alice gecko'), [byAlice], 'operators go anywhere');
    const lone = await searchAs(bob, { q: 'from:me' });
    assert.deepEqual(lone.body.statuses.map((s: { id: string }) => s.id).includes(byBob), true, 'operators alone search too');
  });

  it('is:reply, is:sensitive, has:poll, has:media|image|video|audio, has:link and has:embed', async () => {
    const plain = await post(alice, 'Lynx plain');
    const reply = await post(alice, 'Lynx reply', { in_reply_to_id: plain });
    const sensitive = await post(alice, 'Lynx sensitive', { sensitive: true, spoiler_text: 'cw' });
    const poll = await post(alice, 'Lynx poll', { poll: { options: ['a', 'b'], expires_in: 3600 } });
    const image = await post(alice, 'Lynx image');
    const video = await post(alice, 'Lynx video');
    const audio = await post(alice, 'Lynx audio');
    for (const [id, type] of [
      [image, 'image'],
      [video, 'video'],
      [audio, 'audio'],
    ] as const) {
      await instance.ctx.db.insert(mediaAttachments).values({ statusId: id, accountId: alice.accountId, type, remoteUrl: `https://example.com/${type}` });
    }
    const link = await post(alice, 'Lynx link https://example.com/page');
    const embed = await post(alice, 'Lynx embed https://example.com/watch');
    const [page] = await instance.ctx.db.insert(previewCards).values({ url: 'https://example.com/page', title: 'A page' }).returning();
    const [player] = await instance.ctx.db.insert(previewCards).values({ url: 'https://example.com/watch', title: 'A video', type: 'video' }).returning();
    await instance.ctx.db.insert(previewCardsStatuses).values([
      { statusId: link, previewCardId: page!.id },
      { statusId: embed, previewCardId: player!.id },
    ]);
    const all = [embed, link, audio, video, image, poll, sensitive, reply, plain];
    assert.deepEqual(await found(bob, 'lynx'), all);
    assert.deepEqual(await found(bob, 'lynx is:reply'), [reply]);
    assert.deepEqual(await found(bob, 'lynx is:sensitive'), [sensitive]);
    assert.deepEqual(await found(bob, 'lynx has:poll'), [poll]);
    assert.deepEqual(await found(bob, 'lynx has:media'), [audio, video, image]);
    assert.deepEqual(await found(bob, 'lynx has:image'), [image]);
    assert.deepEqual(await found(bob, 'lynx has:video'), [video]);
    assert.deepEqual(await found(bob, 'lynx has:audio'), [audio]);
    assert.deepEqual(await found(bob, 'lynx has:link'), [embed, link]);
    assert.deepEqual(await found(bob, 'lynx has:embed'), [embed]);
    assert.deepEqual(await found(bob, 'lynx -has:media -is:reply -has:link'), [poll, sensitive, plain]);
    assert.deepEqual(await found(bob, 'lynx has:nothing'), [], 'an unknown property matches nothing');
  });

  it('language:, and words stemmed in the status language', async () => {
    const english = await post(alice, 'The foxes were running home', { language: 'en' });
    const german = await post(alice, 'Die Füchse laufen nach Hause', { language: 'de' });
    assert.deepEqual(await found(bob, 'fox run'), [english], 'English stems: "fox" finds "foxes", "run" finds "running"');
    assert.deepEqual(await found(bob, 'running'), [english]);
    assert.deepEqual(await found(bob, 'füchse'), [german], 'the word as written, in any language');
    assert.deepEqual(await found(bob, 'fuchs language:de'), [german], 'German stems with language:de');
    assert.deepEqual(await found(bob, 'haus language:de'), [german]);
    assert.deepEqual(await found(bob, 'language:DE_de hause'), [german], 'the language code read as Mastodon does');
    assert.deepEqual(await found(bob, 'hause language:en'), []);
    assert.deepEqual(await found(bob, 'hause -language:en'), [german]);
  });

  it('phrases, required and excluded words, and #hashtags', async () => {
    const first = await post(alice, 'Red panda eats bamboo #Pandas');
    const second = await post(alice, 'Bamboo is eaten by the giant panda');
    assert.deepEqual(await found(bob, 'panda bamboo'), [second, first]);
    assert.deepEqual(await found(bob, '"red panda"'), [first]);
    assert.deepEqual(await found(bob, '"panda eats"'), [first]);
    assert.deepEqual(await found(bob, '"bamboo panda"'), [], 'a phrase keeps its order');
    assert.deepEqual(await found(bob, '+panda -giant'), [first]);
    assert.deepEqual(await found(bob, 'panda #pandas'), [first]);
    assert.deepEqual(await found(bob, '#pandas'), [first], 'a lone hashtag finds the statuses carrying it');
    assert.deepEqual(await found(bob, 'panda -#pandas'), [second]);
    assert.deepEqual(await found(bob, 'panda "bamboo'), [second, first], 'an unmatched quote is dropped, its word kept');
  });

  it('before:, after: and during: (whole UTC days, or exact times), and a bad date is a 422', async () => {
    const today = await post(alice, 'Tapir today');
    const old = await post(alice, 'Tapir long ago');
    await instance.ctx.db
      .update(statuses)
      .set({ createdAt: new Date('2020-06-15T12:00:00Z') })
      .where(eq(statuses.id, old));
    assert.deepEqual(await found(bob, 'tapir'), [old, today], 'newest id first (ids, not dates, order results)');
    assert.deepEqual(await found(bob, 'tapir during:2020-06-15'), [old]);
    assert.deepEqual(await found(bob, 'tapir before:2020-06-15'), []);
    assert.deepEqual(await found(bob, 'tapir before:2020-06-16'), [old]);
    assert.deepEqual(await found(bob, 'tapir after:2020-06-15'), [today], 'after a day is after its end');
    assert.deepEqual(await found(bob, 'tapir after:2020-06-14'), [old, today]);
    assert.deepEqual(await found(bob, `tapir during:${day(0)}`), [today]);
    assert.deepEqual(await found(bob, `tapir before:${day(1)} after:${day(-1)}`), [today]);
    assert.deepEqual(await found(bob, 'tapir before:2020-06-15T12:00:01Z'), [old]);
    assert.deepEqual(await found(bob, `tapir after:${Date.parse('2020-06-15T12:00:00Z')}`), [today], 'milliseconds since the epoch');
    assert.deepEqual(await found(bob, 'tapir -during:2020-06-15'), [today]);
    for (const bad of ['yesterday', '2020-13-01', '2020-02-30']) {
      const res = await searchAs(bob, { q: `tapir before:${bad}` });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(res.body, { error: `Invalid date ${bad}` });
    }
  });

  it('respects blocks, mutes and suspensions', async () => {
    const id = await post(alice, 'Okapi sighting');
    assert.deepEqual(await found(carol, 'okapi'), [id]);
    assert.equal((await call('POST', carol, `/api/v1/accounts/${alice.accountId}/mute`)).status, 200);
    assert.deepEqual(await found(carol, 'okapi'), [], 'a muted author');
    assert.equal((await call('POST', carol, `/api/v1/accounts/${alice.accountId}/unmute`)).status, 200);
    assert.deepEqual(await found(carol, 'okapi'), [id]);
    const suspended = await fabricateRemoteAccount(instance.ctx, { indexable: true, suspendedAt: new Date() });
    await fabricateStatus(instance.ctx, suspended.id, { text: 'Okapi from a suspended account', local: false, uri: 'https://remote.example/okapi' });
    assert.deepEqual(await found(carol, 'okapi'), [id], "a suspended account's statuses are not found");
  });

  it('finds accounts by username and display name prefix, and by similarity', async () => {
    const ferdinand = await instance.createUser('ferdinand');
    assert.equal((await call('PATCH', ferdinand, '/api/v1/accounts/update_credentials', { display_name: 'Ferdinand the Magnificent' })).status, 200);
    const ids = async (q: string) => (await searchAs(bob, { q, type: 'accounts' })).body.accounts.map((a: { id: string }) => a.id);
    assert.deepEqual(await ids('ferd'), [ferdinand.accountId], 'username prefix');
    assert.deepEqual(await ids('ferdinand the'), [ferdinand.accountId], 'display name prefix');
    assert.deepEqual(await ids('ferdnand'), [ferdinand.accountId], 'a misspelt username (trigram similarity)');
    assert.deepEqual(await ids('magnificent'), [ferdinand.accountId], 'a word of the display name (word similarity)');
    assert.deepEqual(await ids('zzqqxx'), []);
    const ferdi = await instance.createUser('ferdi');
    assert.deepEqual(await ids('ferdi'), [ferdi.accountId, ferdinand.accountId], 'the exact username first');
  });

  it('finds hashtags by prefix and similarity, trending ones first', async () => {
    await post(alice, 'Tags #Astronomy #AstroPhotography #Astrology #Gastronomy');
    const names = async (q: string, extra: Record<string, string> = {}) => (await searchAs(bob, { q, type: 'hashtags', ...extra })).body.hashtags.map((t: { name: string }) => t.name);
    assert.deepEqual(await names('astro'), ['Astrology', 'Astronomy', 'AstroPhotography'], 'prefixes, shortest first when none trends');
    const [photography] = await instance.ctx.db.select().from(tags).where(eq(tags.name, 'AstroPhotography'));
    await instance.ctx.db.insert(tagTrends).values({ tagId: photography!.id, score: 10, rank: 1, allowed: true });
    assert.deepEqual(await names('astro'), ['AstroPhotography', 'Astrology', 'Astronomy'], 'a trending hashtag first');
    assert.equal((await names('#astronomy'))[0], 'Astronomy', 'the exact name first, whatever trends');
    assert.ok((await names('astronmy')).includes('Astronomy'), 'a misspelt name (trigram similarity)');
    assert.ok((await names('gastronomy')).includes('Gastronomy'));
    assert.deepEqual(await names('astro', { exclude_unreviewed: 'true' }), [], 'nothing reviewed');
    await instance.ctx.db.update(tags).set({ reviewedAt: new Date() }).where(eq(tags.name, 'Astronomy'));
    assert.deepEqual(await names('astro', { exclude_unreviewed: 'true' }), ['Astronomy']);
  });
});
