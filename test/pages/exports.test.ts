import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { backups } from '../../src/db/schema.ts';
import { VacuumScheduler } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { fabricateRemoteAccount } from '../helpers/fabricators.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { pngImage } from '../helpers/link-pages.ts';
import { mailsTo } from '../helpers/mail.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { readZip } from '../helpers/zip.ts';

/**
 * `/settings/export` and its CSV files in Mastodon's formats, and the account archive (BackupWorker):
 * asked for on the page, built in the `pull` queue, downloaded by its owner only.
 */
describe('data export (/settings/export, /settings/exports/*.csv, /backups/:id/download)', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let browser: Browser;
  const domain = 'subspace.test';

  const call = async (user: TestUser, method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };

  before(async () => {
    instance = await startInstance();
    [alice, bob, carol] = await Promise.all([instance.createUser('alice'), instance.createUser('bob'), instance.createUser('carol')]);
    browser = await signedInBrowser(instance.url, alice);
  });
  after(() => instance.close());

  it('sends a visitor to the sign-in page', async () => {
    const visitor = new Browser(instance.url);
    for (const path of ['/settings/export', '/settings/exports/follows.csv', '/backups/1/download']) {
      const page = await visitor.get(path);
      assert.equal(page.status, 302, path);
      assert.match(page.location!, /^\/auth\/sign_in\?return_to=/);
    }
  });

  it('writes each CSV exactly as Mastodon does, and counts them on the page', async () => {
    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'remy', domain: 'remote.example' });
    await call(alice, 'POST', `/api/v1/accounts/${bob.accountId}/follow`, { notify: true, languages: ['en', 'de'] });
    await call(alice, 'POST', `/api/v1/accounts/${carol.accountId}/follow`, { reblogs: false });
    await call(alice, 'POST', `/api/v1/accounts/${remote.id}/block`);
    await call(alice, 'POST', `/api/v1/accounts/${bob.accountId}/mute`, { notifications: false });
    await call(alice, 'POST', `/api/v1/accounts/${carol.accountId}/mute`);
    await call(alice, 'POST', '/api/v1/domain_blocks', { domain: 'spam.example' });
    const list = await call(alice, 'POST', '/api/v1/lists', { title: 'Friends, "close" ones' });
    await call(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [bob.accountId, carol.accountId] });
    const post = await call(bob, 'POST', '/api/v1/statuses', { status: 'bookmark me' });
    await call(alice, 'POST', `/api/v1/statuses/${post.id}/bookmark`);

    const expected: Record<string, [string, string]> = {
      follows: ['following_accounts.csv', `Account address,Show boosts,Notify on new posts,Languages\ncarol@${domain},false,false,\nbob@${domain},true,true,"en, de"\n`],
      blocks: ['blocked_accounts.csv', 'remy@remote.example\n'],
      mutes: ['muted_accounts.csv', `Account address,Hide notifications\ncarol@${domain},true\nbob@${domain},false\n`],
      domain_blocks: ['blocked_domains.csv', 'spam.example\n'],
      lists: ['lists.csv', `"Friends, ""close"" ones",bob@${domain}\n"Friends, ""close"" ones",carol@${domain}\n`],
      bookmarks: ['bookmarks.csv', `${post.uri}\n`],
    };
    for (const [name, [filename, csv]] of Object.entries(expected)) {
      const file = await browser.download(`/settings/exports/${name}.csv`);
      assert.equal(file.status, 200, name);
      assert.match(file.headers.get('content-type')!, /^text\/csv/);
      assert.equal(file.headers.get('content-disposition'), `attachment; filename="${filename}"`);
      assert.equal(file.bytes.toString('utf8'), csv, name);
    }
    assert.equal((await browser.get('/settings/exports/passwords.csv')).status, 404);

    const page = await browser.get('/settings/export');
    assert.equal(page.status, 200);
    for (const [label, count] of [
      ['You follow', 2],
      ['You block', 1],
      ['You mute', 2],
      ['Domain blocks', 1],
      ['Lists', 1],
      ['Bookmarks', 1],
    ] as const) {
      assert.match(page.html, new RegExp(`<th scope="row">${label}</th><td>${count}</td>`), label);
    }
    assert.match(page.html, /href="\/settings\/exports\/follows\.csv"/);
  });

  it('builds the archive in the background: outbox.json with the posts as ActivityPub, media, avatar, likes, bookmarks; downloadable by its owner only, once a week', async () => {
    const form = new FormData();
    form.append('avatar', new Blob([new Uint8Array(await pngImage(32, 32))], { type: 'image/png' }), 'me.png');
    const avatar = await fetch(`${instance.url}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    assert.equal(avatar.status, 200, await avatar.text());
    const upload = new FormData();
    upload.append('file', new Blob([new Uint8Array(await pngImage(16, 16))], { type: 'image/png' }), 'a.png');
    const media = await fetch(`${instance.url}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: upload });
    const medium = (await media.json()) as { id: string; url: string };
    assert.equal(media.status, 200);
    const post = await call(alice, 'POST', '/api/v1/statuses', { status: 'my archived words', media_ids: [medium.id] });
    const hidden = await call(alice, 'POST', '/api/v1/statuses', { status: 'followers only', visibility: 'private' });
    const bobs = await call(bob, 'POST', '/api/v1/statuses', { status: 'boost and like me' });
    await call(alice, 'POST', `/api/v1/statuses/${bobs.id}/reblog`);
    await call(alice, 'POST', `/api/v1/statuses/${bobs.id}/favourite`);
    await call(alice, 'POST', `/api/v1/statuses/${bobs.id}/bookmark`);

    const page = await browser.get('/settings/export');
    const request = formFields(page.html, 0);
    assert.equal(request.action, '/settings/export');
    assert.equal((await browser.post(request.action, { ...request.fields, authenticity_token: 'forged' })).status, 422, 'a forged form is refused');
    const requested = await browser.post(request.action, request.fields);
    assert.equal(requested.status, 303, requested.html);
    await queuesDrained(instance, ['default', 'pull', 'mailers']);

    const ready = await browser.get('/settings/export');
    const link = /<a href="(\/backups\/\d+\/download)">Download your archive<\/a>/.exec(ready.html)?.[1];
    assert.ok(link, ready.html);
    assert.match(ready.html, /You requested an archive within the last 7 days/);
    assert.doesNotMatch(ready.html, /Request your archive/);
    const again = await browser.post('/settings/export', formFields(page.html, 0).fields);
    assert.equal(again.status, 403, 'one archive a week');
    assert.match(again.html, /You can request an archive once every 7 days/);

    const file = await browser.download(link);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'application/zip');
    assert.match(file.headers.get('content-disposition')!, /^attachment; filename="archive-\d{14}-[0-9a-f]{32}\.zip"$/);
    const zip = readZip(file.bytes);

    const outbox = JSON.parse(zip.get('outbox.json')!.toString('utf8'));
    assert.equal(outbox.type, 'OrderedCollection');
    assert.equal(outbox.id, 'outbox.json');
    assert.equal(outbox.totalItems, 3);
    assert.ok(JSON.stringify(outbox['@context']).includes('https://www.w3.org/ns/activitystreams'));
    const create = outbox.orderedItems.find((item: any) => item.type === 'Create' && item.object.id === post.uri);
    assert.ok(create, JSON.stringify(outbox.orderedItems));
    assert.equal(create['@context'], undefined, 'items share the collection’s context');
    assert.equal(create.actor, `http://${domain}/users/alice`);
    assert.match(create.object.content, /my archived words/);
    const attachment = [create.object.attachment].flat()[0];
    assert.match(attachment.url, /^media_attachments\/files\/[\d/]+\/original\/[0-9a-f]+\.png$/);
    assert.ok(zip.get(attachment.url)?.subarray(1, 4).equals(Buffer.from('PNG')), 'the medium is in the archive at its path');
    assert.ok(
      outbox.orderedItems.some((item: any) => item.type === 'Create' && item.object.id === hidden.uri),
      'private posts are archived too',
    );
    const announce = outbox.orderedItems.find((item: any) => item.type === 'Announce');
    assert.equal(announce.object, bobs.uri);

    assert.deepEqual(JSON.parse(zip.get('likes.json')!.toString('utf8')).orderedItems, [bobs.uri]);
    assert.ok(JSON.parse(zip.get('bookmarks.json')!.toString('utf8')).orderedItems.includes(bobs.uri));
    const actor = JSON.parse(zip.get('actor.json')!.toString('utf8'));
    assert.equal(actor.id, `http://${domain}/users/alice`);
    assert.equal(actor.icon?.url, 'avatar.png', JSON.stringify(actor));
    assert.equal(actor.outbox, 'outbox.json');
    assert.equal(actor.likes, 'likes.json');
    assert.equal(actor.bookmarks, 'bookmarks.json');
    assert.ok(zip.get('avatar.png')?.subarray(1, 4).equals(Buffer.from('PNG')));

    const mails = mailsTo(instance.dataDir, alice.email);
    assert.ok(
      mails.some((mail) => /Subject: Your archive is ready for download/.test(mail) && mail.includes(link)),
      'the member is mailed a link',
    );

    const other = await signedInBrowser(instance.url, bob);
    assert.equal((await other.download(link)).status, 404, 'only its owner downloads it');
    assert.equal((await other.download('/backups/x/download')).status, 404);
    const keys: string[] = [];
    for await (const entry of instance.ctx.storage.list('backups/')) keys.push(entry.key);
    assert.equal(keys.length, 1);
    if (instance.ctx.storage.kind === 'local') assert.equal((await fetch(`${instance.url}/system/${keys[0]}`)).status, 404, 'never served at /system/');
  });
  it('forgets an archive a week old, with its file, in the daily vacuum (Vacuum::BackupsVacuum): a new one may be asked for', async () => {
    const listed = await browser.get('/settings/export');
    const link = /<a href="(\/backups\/(\d+)\/download)">/.exec(listed.html);
    assert.ok(link, 'the archive made above');
    const [backup] = await instance.ctx.db.select().from(backups).where(eq(backups.id, link[2]!));
    await instance.ctx.db
      .update(backups)
      .set({ createdAt: new Date(Date.now() - 8 * 24 * 3600 * 1000) })
      .where(eq(backups.id, backup!.id));
    await enqueue(instance.ctx, VacuumScheduler, {});
    await queuesDrained(instance, ['scheduler']);
    assert.equal((await browser.download(link[1]!)).status, 404);
    assert.equal(await instance.ctx.storage.head(backup!.dumpFileKey!), undefined, 'its file is removed');
    const page = await browser.get('/settings/export');
    assert.doesNotMatch(page.html, /Download your archive/);
    assert.match(page.html, /Request your archive/);
  });
});
