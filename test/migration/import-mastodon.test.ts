import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { count, eq } from 'drizzle-orm';
import { accounts, mastodonImportProgress, statuses } from '../../src/db/schema.ts';
import { importMastodon } from '../../src/services/migration/mastodon/import-mastodon.ts';
import { openMastodonSource } from '../../src/services/migration/mastodon/source.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { prepareTestEnvironment, startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { startMastodonSource, type MastodonFixture, type MastodonSource } from '../helpers/mastodon-source.ts';
import { runSubspace } from '../helpers/process.ts';

const AP = { accept: 'application/activity+json' };

/** Mastodon's public/system: Paperclip's `<class>/<attachment>/<id in groups of three>/<style>/<file>`. */
function systemDir(fixture: MastodonFixture): { dir: string; files: Record<string, Buffer> } {
  const dir = mkdtempSync(join(tmpdir(), 'mastodon-system-'));
  const partition = (id: string) => (id.padStart(9, '0').match(/\d{3}/g) ?? []).join('/');
  const files: Record<string, Buffer> = {
    [`media_attachments/files/${partition(fixture.media.image)}/original/rabbit.png`]: Buffer.from('the rabbit, original'),
    [`media_attachments/files/${partition(fixture.media.image)}/small/rabbit.png`]: Buffer.from('the rabbit, small'),
    [`accounts/avatars/${partition(fixture.alice.id)}/original/alice.png`]: Buffer.from('alice avatar'),
    [`custom_emojis/images/${partition(fixture.emoji.local)}/original/blobcat.png`]: Buffer.from('blobcat'),
    [`custom_emojis/images/${partition(fixture.emoji.local)}/static/blobcat.png`]: Buffer.from('blobcat still'),
  };
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return { dir, files };
}

async function importInto(environment: TestEnvironment, source: MastodonSource, ...extra: string[]) {
  const run = runSubspace(['import', 'mastodon', '--database', source.url, ...extra], environment.env);
  return { code: await run.exited, output: run.output() };
}

describe('subspace import mastodon', () => {
  let source: MastodonSource;
  let fixture: MastodonFixture;
  let environment: TestEnvironment;
  let instance: TestInstance;
  let firstRun: { code: number | string; output: string };
  let system: ReturnType<typeof systemDir>;

  /** a stored file's bytes, at the URL the API gives (local storage is served by the instance, S3 by the bucket) */
  const fetchStored = async (url: string) => {
    const parsed = new URL(url);
    const response = parsed.host === instance.config.webDomain ? await fetch(new URL(parsed.pathname, instance.url)) : await fetch(parsed);
    return { status: response.status, text: await response.text() };
  };

  before(async () => {
    // the test instance is http://subspace.test (LOCAL_HTTPS=false), as the Mastodon one was
    source = await startMastodonSource({ domain: 'subspace.test', baseUrl: 'http://subspace.test' });
    fixture = source.fixture;
    environment = await prepareTestEnvironment();
    system = systemDir(fixture);
    firstRun = await importInto(environment, source, '--media-dir', system.dir);
    instance = await startInstance({ environment, roles: { web: true }, keepEnvironment: true });
  });
  after(async () => {
    await instance?.close();
    await environment?.cleanup();
    await source?.close();
    if (system) rmSync(system.dir, { recursive: true, force: true });
  });

  it('reports what it imported and everything it did not carry over', () => {
    assert.equal(firstRun.code, 0, firstRun.output);
    assert.match(firstRun.output, /Imported the Mastodon instance of subspace\.test \(found from its instance actor/);
    assert.match(firstRun.output, /statuses: 9/);
    // without Mastodon's keys (ACTIVE_RECORD_ENCRYPTION_*), bob's TOTP secret cannot be read, nor his key used
    assert.match(firstRun.output, /users: 1 × two-factor authentication \(TOTP\) whose secret needs the keys of Mastodon/);
    assert.match(firstRun.output, /security keys: 1 × security keys \(WebAuthn\) of members whose TOTP was not carried/);
    assert.match(firstRun.output, /\n {2}moderators' notes on reports: 1\n/);
    assert.match(firstRun.output, /instance settings: 1 × instance setting theme/);
    assert.match(firstRun.output, /user preference web\.use_system_font/);
    // alice's header and the card's image were not in public/system
    assert.match(firstRun.output, /accounts: 1 × media files missing from --media-dir: account headers/);
    assert.match(firstRun.output, /preview cards: 1 × media files missing from --media-dir: preview card images/);
  });

  it('lets a member sign in with the password she had on Mastodon', async () => {
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in?return_to=/oauth/authorize/native');
    const { fields } = formFields(page.html);
    const ok = await browser.post('/auth/sign_in', { ...fields, 'user[email]': fixture.alice.email, 'user[password]': fixture.alice.password });
    assert.equal(ok.status, 303);
    const wrong = await new Browser(instance.url).post('/auth/sign_in', { ...fields, 'user[email]': fixture.alice.email, 'user[password]': 'not her password' });
    assert.notEqual(wrong.status, 303);
  });

  it("keeps members' apps signed in: an imported token calls verify_credentials, a revoked one does not", async () => {
    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: fixture.tokens.alice });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.id, fixture.alice.id);
    assert.equal(me.body.username, 'alice');
    assert.equal(me.body.display_name, 'Alice Liddell');
    assert.deepEqual(
      me.body.fields.map((field: any) => [field.name, field.verified_at]),
      [
        ['Home', '2023-04-01T00:00:00.000Z'],
        ['Pronouns', null],
      ],
    );
    assert.equal(me.body.statuses_count, 6);
    assert.equal(me.body.followers_count, 2);
    assert.equal(me.body.source.privacy, 'unlisted');
    assert.equal(me.body.source.sensitive, true);
    assert.equal(me.body.noindex, true, "alice's opt-out of search engine indexing");
    assert.equal(me.body.role?.name, 'Owner');
    const bob = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: fixture.tokens.bob });
    assert.equal(bob.body.noindex, false, "Mastodon's default");
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: fixture.tokens.bob })).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: fixture.tokens.bobRevoked })).status, 401);
    // the app's own credentials too
    const app = await instance.request('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: fixture.app.uid, client_secret: fixture.app.secret, scope: 'read' } });
    assert.equal(app.status, 200, app.text);
  });

  it("keeps a post's id, URL and ActivityPub id, and the account's key", async () => {
    const id = fixture.statuses.hello;
    const status = await instance.request('GET', `/api/v1/statuses/${id}`, { token: fixture.tokens.bob });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.id, id);
    assert.equal(status.body.uri, `http://subspace.test/users/alice/statuses/${id}`);
    assert.equal(status.body.url, `http://subspace.test/@alice/${id}`);
    assert.match(status.body.content, /<a href="http:\/\/subspace\.test\/tags\/Wonderland"/);
    assert.deepEqual(
      status.body.tags.map((tag: any) => tag.name.toLowerCase()),
      ['wonderland'],
    );
    assert.equal(status.body.favourites_count, 1);
    assert.equal(status.body.reblogs_count, 1);
    assert.equal(status.body.media_attachments[0]?.id, fixture.media.image);
    assert.equal(status.body.media_attachments[0]?.description, 'A white rabbit with a watch');
    assert.equal(status.body.card?.url, 'https://news.example/story');
    // the files came from Mastodon's public/system
    assert.deepEqual(await fetchStored(status.body.media_attachments[0].url), { status: 200, text: 'the rabbit, original' });
    assert.deepEqual(await fetchStored(status.body.media_attachments[0].preview_url), { status: 200, text: 'the rabbit, small' });
    const account = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}`);
    assert.deepEqual(await fetchStored(account.body.avatar), { status: 200, text: 'alice avatar' });
    const note = await instance.request('GET', `/users/alice/statuses/${id}`, { headers: AP });
    assert.equal(note.status, 200);
    assert.equal(note.body.id, `http://subspace.test/users/alice/statuses/${id}`);
    const actor = await instance.request('GET', '/users/alice', { headers: AP });
    assert.equal(actor.body.id, 'http://subspace.test/users/alice');
    assert.equal(actor.body.publicKey.publicKeyPem.trim(), fixture.alice.publicKey.trim());
    assert.deepEqual([actor.body.alsoKnownAs].flat(), ['https://old.example/users/alice']);
  });

  it('shows edits, polls, replies, mentions and direct conversations as Mastodon did', async () => {
    const history = await instance.request('GET', `/api/v1/statuses/${fixture.statuses.edited}/history`, { token: fixture.tokens.alice });
    assert.equal(history.status, 200, history.text);
    assert.deepEqual(
      history.body.map((edit: any) => edit.content),
      ['<p>First version</p>', '<p>Third version</p>'],
    );
    const poll = await instance.request('GET', `/api/v1/statuses/${fixture.statuses.poll}`, { token: fixture.tokens.bob });
    assert.deepEqual(
      poll.body.poll.options.map((option: any) => [option.title, option.votes_count]),
      [
        ['Tea', 1],
        ['Coffee', 0],
      ],
    );
    assert.equal(poll.body.poll.voted, true);
    const context = await instance.request('GET', `/api/v1/statuses/${fixture.statuses.hello}/context`, { token: fixture.tokens.alice });
    assert.deepEqual(
      context.body.descendants.map((status: any) => status.id),
      [fixture.statuses.reply],
    );
    const mention = await instance.request('GET', `/api/v1/statuses/${fixture.statuses.mention}`, { token: fixture.tokens.alice });
    assert.equal(mention.body.visibility, 'private');
    assert.deepEqual(
      mention.body.mentions.map((account: any) => account.id),
      [fixture.alice.id],
    );
    const conversations = await instance.request('GET', '/api/v1/conversations', { token: fixture.tokens.alice });
    assert.deepEqual(
      conversations.body.map((conversation: any) => conversation.last_status?.id),
      [fixture.statuses.direct],
    );
    assert.equal((await instance.request('GET', `/api/v1/statuses/${fixture.statuses.deleted}`, { token: fixture.tokens.alice })).status, 404);
  });

  it("keeps every member's relationships and things: follows, requests, blocks, mutes, lists, filters, marks, markers, notifications", async () => {
    const token = fixture.tokens.alice;
    const relationships = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${fixture.bob.id}&id[]=${fixture.remote.erin}&id[]=${fixture.remote.dave}`, { token });
    const byId = Object.fromEntries(relationships.body.map((relationship: any) => [relationship.id, relationship]));
    assert.equal(byId[fixture.bob.id].following, true);
    assert.equal(byId[fixture.bob.id].followed_by, true);
    assert.equal(byId[fixture.bob.id].showing_reblogs, false);
    assert.equal(byId[fixture.bob.id].note, 'Met at the tea party');
    assert.equal(byId[fixture.remote.erin].following, true);
    // dave was suspended on Mastodon: suspended he stays, and blocked by alice
    const blocked = await instance.request('GET', '/api/v1/blocks', { token });
    assert.deepEqual(
      blocked.body.map((account: any) => [account.id, account.suspended]),
      [[fixture.remote.dave, true]],
    );
    const followers = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}/followers`, { token });
    assert.deepEqual(followers.body.map((account: any) => account.acct).sort(), ['bob', 'erin@remote.example']);
    const bob = fixture.tokens.bob;
    // bob's token has the read scope only, which is what these need
    const requests = await instance.request('GET', '/api/v1/follow_requests', { token: bob });
    assert.deepEqual(
      requests.body.map((account: any) => account.username),
      ['carol'],
    );
    const mutes = await instance.request('GET', '/api/v1/mutes', { token: bob });
    assert.deepEqual(
      mutes.body.map((account: any) => account.acct),
      ['erin@remote.example'],
    );
    assert.deepEqual((await instance.request('GET', '/api/v1/domain_blocks', { token: bob })).body, ['spam.example']);
    const lists = await instance.request('GET', '/api/v1/lists', { token });
    assert.deepEqual(
      lists.body.map((list: any) => [list.title, list.replies_policy, list.exclusive]),
      [['Friends', 'followed', true]],
    );
    const members = await instance.request('GET', `/api/v1/lists/${fixture.list}/accounts`, { token });
    assert.deepEqual(
      members.body.map((account: any) => account.id),
      [fixture.bob.id],
    );
    const filters = await instance.request('GET', '/api/v2/filters', { token });
    assert.deepEqual(
      filters.body.map((filter: any) => [filter.title, filter.filter_action, filter.context, filter.keywords.map((keyword: any) => keyword.keyword)]),
      [['Spoilers', 'hide', ['home', 'public'], ['ending']]],
    );
    for (const [path, expected] of [
      ['/api/v1/bookmarks', [fixture.statuses.remote]],
      ['/api/v1/favourites', [fixture.statuses.remote]],
      [`/api/v1/accounts/${fixture.alice.id}/statuses?pinned=true`, [fixture.statuses.hello]],
    ] as const) {
      const response = await instance.request('GET', path, { token });
      assert.deepEqual(
        response.body.map((status: any) => status.id),
        expected,
        path,
      );
    }
    const markers = await instance.request('GET', '/api/v1/markers?timeline[]=home', { token });
    assert.equal(markers.body.home.last_read_id, fixture.statuses.remote);
    const notifications = await instance.request('GET', '/api/v1/notifications', { token });
    assert.deepEqual(
      notifications.body.map((notification: any) => [notification.type, notification.account.username, notification.status?.id ?? null]),
      [
        ['follow', 'erin', null],
        ['mention', 'bob', fixture.statuses.mention],
        ['favourite', 'bob', fixture.statuses.hello],
      ],
    );
    const featured = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}/featured_tags`, { token });
    assert.deepEqual(
      featured.body.map((tag: any) => tag.name.toLowerCase()),
      ['wonderland'],
    );
    const followed = await instance.request('GET', '/api/v1/followed_tags', { token: bob });
    assert.deepEqual(
      followed.body.map((tag: any) => tag.name.toLowerCase()),
      ['wonderland'],
    );
  });

  it("keeps the instance's settings, rules, announcements and moderation", async () => {
    const about = await instance.request('GET', '/api/v2/instance');
    assert.equal(about.body.title, 'Wonderland Social');
    assert.equal(about.body.description, 'A place for curious people: tea, cakes and rabbits');
    assert.equal(about.body.registrations.approval_required, true);
    assert.deepEqual(
      about.body.rules.map((rule: any) => [rule.text, rule.hint]),
      [
        ['Be kind', 'No harassment'],
        ['No spam', ''],
      ],
    );
    const blocks = await instance.request('GET', '/api/v1/instance/domain_blocks');
    assert.deepEqual(blocks.body.map((block: any) => [block.severity, block.comment]).sort(), [
      ['silence', null],
      ['suspend', 'Spam'],
    ]);
    const announcements = await instance.request('GET', '/api/v1/announcements', { token: fixture.tokens.alice });
    assert.deepEqual(
      announcements.body.map((announcement: any) => announcement.id),
      [fixture.announcement],
    );
    const report = await instance.request('GET', `/api/v1/admin/reports/${fixture.report}`, { token: fixture.tokens.aliceAdmin });
    assert.equal(report.status, 200, report.text);
    assert.equal(report.body.category, 'spam');
    assert.equal(report.body.action_taken, true);
    assert.equal(report.body.target_account.id, fixture.remote.dave);
    const ipBlocks = await instance.request('GET', '/api/v1/admin/ip_blocks', { token: fixture.tokens.aliceAdmin });
    assert.deepEqual(ipBlocks.body.map((block: any) => [block.ip, block.severity]).sort(), [
      ['192.0.2.0/24', 'sign_up_block'],
      ['203.0.113.9/32', 'no_access'],
    ]);
    const emoji = await instance.request('GET', '/api/v1/custom_emojis');
    assert.deepEqual(
      emoji.body.map((item: any) => [item.shortcode, item.category, item.visible_in_picker]),
      [['blobcat', 'Cats', true]],
    );
    assert.deepEqual(await fetchStored(emoji.body[0].static_url), { status: 200, text: 'blobcat still' });
  });

  it('goes on where it was when run again, and adds nothing twice', async () => {
    await instance.close();
    const again = await importInto(environment, source, '--media-dir', system.dir);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /continuing the import that was under way/);
    instance = await startInstance({ environment, roles: { web: true }, keepEnvironment: true });
    const statuses = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}/statuses?limit=40`, { token: fixture.tokens.alice });
    const ids = statuses.body.map((status: any) => status.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of [fixture.statuses.hello, fixture.statuses.poll, fixture.statuses.edited]) assert.equal(ids.filter((other: string) => other === id).length, 1);
    const followers = await instance.request('GET', `/api/v1/accounts/${fixture.alice.id}/followers`, { token: fixture.tokens.alice });
    assert.equal(followers.body.length, 2);
  });
});

describe('subspace import mastodon refuses', () => {
  let source: MastodonSource;
  before(async () => {
    source = await startMastodonSource({ domain: 'mastodon.example', baseUrl: 'http://mastodon.example' });
  });
  after(() => source?.close());

  it('an instance with another LOCAL_DOMAIN, saying which to set', async () => {
    const environment = await prepareTestEnvironment();
    try {
      const run = await importInto(environment, source);
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, /the Mastodon database is the instance of mastodon\.example .*set LOCAL_DOMAIN=mastodon\.example/);
    } finally {
      await environment.cleanup();
    }
  });

  it('an instance that holds data', async () => {
    const environment = await prepareTestEnvironment({ LOCAL_DOMAIN: 'mastodon.example' });
    try {
      const database = await openDatabase(loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...environment.env }));
      await database.db.insert(accounts).values({ username: 'someone', uri: 'http://mastodon.example/users/someone' });
      await database.close();
      const run = await importInto(environment, source);
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, /this instance is not empty \(1 local accounts, 0 statuses\)/);
    } finally {
      await environment.cleanup();
    }
  });

  it('nothing with --dry-run, which says what would be imported', async () => {
    const environment = await prepareTestEnvironment({ LOCAL_DOMAIN: 'mastodon.example' });
    try {
      const run = await importInto(environment, source, '--dry-run');
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /Would import the Mastodon instance of mastodon\.example/);
      assert.match(run.output, /statuses: 9\n/);
      assert.match(run.output, /security keys: 1\n/);
      const database = await openDatabase(loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...environment.env }));
      const [row] = await database.db.select({ count: count() }).from(accounts);
      await database.close();
      assert.equal(row!.count, 0);
    } finally {
      await environment.cleanup();
    }
  });

  it('nothing twice when an interrupted import is run again: it goes on from the last batch written', async () => {
    const environment = await prepareTestEnvironment({ LOCAL_DOMAIN: 'mastodon.example', LOCAL_HTTPS: 'false' });
    const config = loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...environment.env });
    const database = await openDatabase(config);
    try {
      const interrupted = await openMastodonSource(source.url);
      // the run stops after the first batch of two statuses was written (as a crash or Ctrl-C would)
      const crashing = (step: string) => ({
        start() {},
        increment() {
          if (step === 'statuses') throw new Error('interrupted');
        },
        stop() {},
      });
      await assert.rejects(importMastodon(config, database.db, interrupted, { media: { kind: 'none' }, batchSize: 2, progress: crashing }), /interrupted/);
      await interrupted.close();
      const [written] = await database.db.select().from(mastodonImportProgress).where(eq(mastodonImportProgress.step, 'statuses'));
      assert.equal(written?.imported, 2);
      assert.equal(written?.finishedAt, null);
      const again = await openMastodonSource(source.url);
      const report = await importMastodon(config, database.db, again, { media: { kind: 'none' }, batchSize: 2 });
      await again.close();
      assert.equal(report.resumed, true);
      assert.equal(report.steps.find((step) => step.step === 'statuses')?.rows, 9);
      const [row] = await database.db.select({ count: count() }).from(statuses);
      assert.equal(row!.count, 9);
    } finally {
      await database.close();
      await environment.cleanup();
    }
  });

  it('without --database, with a usage error', async () => {
    const environment = await prepareTestEnvironment();
    try {
      const run = runSubspace(['import', 'mastodon'], environment.env);
      assert.equal(await run.exited, 2, run.output());
      assert.match(run.output(), /--database postgres:\/\/… \(the Mastodon database\) is needed/);
    } finally {
      await environment.cleanup();
    }
  });
});
