import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { bulkImports } from '../../src/db/schema.ts';
import { VacuumScheduler } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startCavagePeer, type CavagePeer } from '../helpers/cavage-peer.ts';
import { AS, PUBLIC } from '../helpers/constants.ts';
import { startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

/**
 * `/settings/imports` as Mastodon 4.2+ has it: a CSV of one type uploaded in merge or overwrite
 * mode, confirmed on its own page, worked through in the `pull` queue with its progress on the
 * page; accounts not known here are found by WebFinger on a server that is not Subspace
 * (test/helpers/cavage-peer.ts), statuses fetched from it.
 */
describe('data import (/settings/imports)', () => {
  let instance: TestInstance;
  let peer: CavagePeer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let browser: Browser;
  let domain: string;
  const acct = (user: TestUser) => `${user.username}@${domain}`;

  before(async () => {
    peer = await startCavagePeer({ address: claimLoopbackAddress(), usernames: ['pat', 'quinn'] });
    instance = await startOn();
    domain = instance.config.localDomain;
    [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((name) => instance.createUser(name)));
    browser = await signedInBrowser(instance.url, alice);
  });
  after(async () => {
    await instance?.close();
    await peer?.close();
  });

  const call = async (user: TestUser, method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };
  const exported = async (as: Browser, name: string) => {
    const file = await as.download(`/settings/exports/${name}.csv`);
    assert.equal(file.status, 200);
    return file.bytes.toString('utf8');
  };

  /** A CSV's lines, sorted (the header line first stays first). */
  const lines = (csv: string) => {
    const all = csv.split('\n').filter(Boolean);
    return /^Account address/.test(all[0] ?? '') ? [all[0]!, ...all.slice(1).sort()] : all.sort();
  };

  /** Uploads a file through the form; answers the response (303 to the confirmation page, or the page again with its error). */
  async function upload(as: Browser, type: string, mode: string, filename: string, content: string) {
    const page = await as.get('/settings/imports');
    assert.equal(page.status, 200);
    const form = formFields(page.html, 0);
    assert.equal(form.action, '/settings/imports');
    return as.postMultipart(form.action, { ...form.fields, 'form_import[type]': type, 'form_import[mode]': mode }, { 'form_import[data]': { filename, content } });
  }

  /** Uploads, confirms, waits until the page shows the import finished; answers its row on the page. */
  async function importFile(as: Browser, type: string, mode: string, filename: string, content: string, expectPreamble?: RegExp) {
    const uploaded = await upload(as, type, mode, filename, content);
    assert.equal(uploaded.status, 303, uploaded.html);
    const id = /^\/settings\/imports\/(\d+)$/.exec(uploaded.location!)?.[1];
    assert.ok(id, uploaded.location!);
    const confirmation = await as.get(uploaded.location!);
    assert.equal(confirmation.status, 200);
    if (expectPreamble) assert.match(confirmation.html, expectPreamble);
    const confirm = formFields(confirmation.html, 1);
    assert.equal(confirm.action, `/settings/imports/${id}/confirm`);
    const confirmed = await as.post(confirm.action, confirm.fields);
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.location, '/settings/imports');
    return until(async () => {
      const page = await as.get('/settings/imports');
      const row = new RegExp(`<tr data-import="${id}">(.*?)</tr>`).exec(page.html)?.[1];
      return row?.includes('<td>Finished</td>') && { id, row };
    }, `import ${id} to finish`);
  }

  it('sends a visitor to the sign-in page', async () => {
    const visitor = new Browser(instance.url);
    const page = await visitor.get('/settings/imports');
    assert.equal(page.status, 302);
    assert.equal(page.location, `/auth/sign_in?return_to=${encodeURIComponent('/settings/imports')}`);
  });

  it('refuses bad files with a clear error on the page, and changes nothing', async () => {
    const many = (count: number) => Array.from({ length: count }, (_, index) => `someone${index}@far.example`).join('\n');
    const member = await instance.createUser('picky');
    const as = await signedInBrowser(instance.url, member);
    const cases: [string, string, string, RegExp][] = [
      ['following', 'empty.csv', '', /Data Empty CSV file/],
      ['following', 'blank.csv', '\n\n', /Data Empty CSV file/],
      ['blocking', 'broken.csv', `"${acct(bob)},true\n`, /Data Invalid CSV file\. Error: /],
      ['domain_blocking', 'following_accounts.csv', `Account address,Show boosts,Notify on new posts,Languages\n${acct(bob)},true,false,\n`, /Data Incompatible with the selected import type/],
      ['nothing', 'blocks.csv', `${acct(bob)}\n`, /Import type is not included in the list/],
      ['blocking', 'blocks.csv', many(20_001), /Data contains more than 20000 rows/],
      ['following', 'follows.csv', many(7501), /Data You cannot follow more than 7500 people/],
    ];
    for (const [type, filename, content, message] of cases) {
      const refused = await upload(as, type, 'merge', filename, content);
      assert.equal(refused.status, 422, `${filename}: ${refused.html.slice(0, 300)}`);
      assert.match(refused.html, message);
      assert.match(refused.html, /role="alert"/);
    }
    const page = await as.get('/settings/imports');
    const form = formFields(page.html, 0);
    const noFile = await as.postMultipart(form.action, { ...form.fields, 'form_import[type]': 'blocking', 'form_import[mode]': 'merge' }, {});
    assert.equal(noFile.status, 422);
    assert.match(noFile.html, /Data can&#39;t be blank|Data can't be blank/);
    const forged = await as.postMultipart(
      form.action,
      { authenticity_token: 'forged', 'form_import[type]': 'blocking' },
      { 'form_import[data]': { filename: 'blocks.csv', content: `${acct(bob)}\n` } },
    );
    assert.equal(forged.status, 422, 'a forged form is refused');
    assert.doesNotMatch((await as.get('/settings/imports')).html, /Recent imports/, 'no import was made');
    const relationship = (await call(member, 'GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`))[0];
    assert.equal(relationship.blocking, false);
    assert.equal(relationship.following, false);
  });

  it('an upload waits for confirmation: it can be cancelled, and a file that looks like another type is flagged', async () => {
    const uploaded = await upload(browser, 'blocking', 'merge', 'muted_accounts.csv', `Account address,Hide notifications\n${acct(bob)},true\n`);
    assert.equal(uploaded.status, 303);
    const confirmation = await browser.get(uploaded.location!);
    assert.match(confirmation.html, /<h1>Importing blocked accounts<\/h1>/);
    assert.match(confirmation.html, /It appears you may have selected the wrong type for this import/);
    assert.match(confirmation.html, /You are about to <strong>block<\/strong> up to <strong>1 accounts<\/strong> from <strong>muted_accounts\.csv<\/strong>\./);
    const listed = await browser.get('/settings/imports');
    assert.match(listed.html, new RegExp(`<a href="${uploaded.location}">Unconfirmed</a>`));
    const cancel = formFields(confirmation.html, 0);
    assert.equal(cancel.fields._method, 'delete');
    assert.equal((await browser.post(cancel.action, cancel.fields)).status, 303);
    assert.equal((await browser.get(uploaded.location!)).status, 404);
    const relationship = (await call(alice, 'GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`))[0];
    assert.equal(relationship.blocking, false, 'nothing was imported');
    const other = await signedInBrowser(instance.url, bob);
    const again = await upload(browser, 'blocking', 'merge', 'blocks.csv', `${acct(carol)}\n`);
    assert.equal((await other.get(again.location!)).status, 404, 'another member cannot see it');
    const discard = formFields((await browser.get(again.location!)).html, 0);
    await browser.post(discard.action, discard.fields);
  });

  it('follows: Mastodon’s export merged (local accounts, a remote one by WebFinger, options kept), failures listed and downloadable', async () => {
    const pat = peer.account('pat');
    const file = [
      'Account address,Show boosts,Notify on new posts,Languages',
      `${acct(bob)},true,true,"en, fr"`,
      `@${carol.username}@${domain},false,false,`,
      `${pat.handle},false,true,`,
      `nobody@${peer.host},true,false,`,
    ].join('\n');
    const { id, row } = await importFile(browser, 'following', 'merge', 'following_accounts.csv', file, /You are about to <strong>follow<\/strong> up to <strong>4 accounts<\/strong>/);
    assert.match(row, /<td class="progress">3 \/ 4<\/td>/);
    assert.match(row, new RegExp(`<a href="/settings/imports/${id}/failures.csv">1</a>`));
    const failures = await browser.download(`/settings/imports/${id}/failures.csv`);
    assert.equal(failures.headers.get('content-disposition'), 'attachment; filename="following_accounts_failures.csv"');
    assert.equal(failures.bytes.toString('utf8'), `Account address,Show boosts,Notify on new posts,Languages\nnobody@${peer.host},true,false,\n`);

    await until(async () => peer.acceptedOf('Follow').find((activity) => activity.object === pat.actorId), 'the Follow of pat at the peer');
    await until(async () => (await exported(browser, 'follows')).includes(pat.handle), 'pat’s Accept');
    const follows = (await exported(browser, 'follows')).split('\n');
    assert.deepEqual(new Set(follows.slice(1).filter(Boolean)), new Set([`${pat.handle},false,true,`, `${carol.username}@${domain},false,false,`, `${acct(bob)},true,true,"en, fr"`]));
  });

  it('follows in overwrite mode: who is not in the file is unfollowed (the remote one told with an Undo)', async () => {
    const pat = peer.account('pat');
    const { row } = await importFile(
      browser,
      'following',
      'overwrite',
      'follows.csv',
      `${acct(carol)}\n${acct(dave)}\n`,
      /<strong>replace your following list<\/strong> with up to <strong>2 accounts<\/strong>/,
    );
    assert.match(row, /<td class="progress">2 \/ 2<\/td>/);
    assert.equal(await exported(browser, 'follows'), `Account address,Show boosts,Notify on new posts,Languages\n${acct(dave)},true,false,\n${acct(carol)},false,false,\n`);
    await until(async () => peer.acceptedOf('Undo').find((activity) => activity.object?.type === 'Follow' && activity.object?.object === pat.actorId), 'the Undo of the Follow of pat');
  });

  it('blocks, mutes and domain blocks, merged then overwritten', async () => {
    await importFile(browser, 'blocking', 'merge', 'blocked_accounts.csv', `${acct(bob)}\r\n\r\n`);
    assert.equal(await exported(browser, 'blocks'), `${acct(bob)}\n`);
    await importFile(browser, 'blocking', 'overwrite', 'blocked_accounts.csv', `${dave.username}\n`);
    assert.equal(await exported(browser, 'blocks'), `${acct(dave)}\n`);

    await importFile(browser, 'muting', 'merge', 'muted_accounts.csv', `Account address,Hide notifications\n${acct(carol)},false\n`, /<strong>mute<\/strong> up to <strong>1 accounts<\/strong>/);
    assert.equal(await exported(browser, 'mutes'), `Account address,Hide notifications\n${acct(carol)},false\n`);
    await importFile(browser, 'muting', 'overwrite', 'muted_accounts.csv', `Account address,Hide notifications\n${acct(bob)},true\n${acct(carol)},true\n`);
    assert.equal(await exported(browser, 'mutes'), `Account address,Hide notifications\n${acct(bob)},true\n${acct(carol)},true\n`);
    await importFile(browser, 'muting', 'overwrite', 'mutes.csv', `${acct(bob)}\n`);
    assert.equal(await exported(browser, 'mutes'), `Account address,Hide notifications\n${acct(bob)},true\n`);

    const { row } = await importFile(browser, 'domain_blocking', 'merge', 'blocked_domains.csv', 'spam.example\n EVIL.example \n', /<strong>block<\/strong> up to <strong>2 domains<\/strong>/);
    assert.match(row, /<td class="progress">2 \/ 2<\/td>/);
    assert.equal(await exported(browser, 'domain_blocks'), 'spam.example\nevil.example\n');
    await importFile(browser, 'domain_blocking', 'overwrite', 'blocked_domains.csv', 'evil.example\nnew.example\n');
    assert.equal(await exported(browser, 'domain_blocks'), 'evil.example\nnew.example\n');
  });

  it('bookmarks, of a status here and one fetched from its server, then overwritten', async () => {
    const local = await call(carol, 'POST', '/api/v1/statuses', { status: 'keep this' });
    const hidden = await call(dave, 'POST', '/api/v1/statuses', { status: 'not for alice', visibility: 'private' });
    const pat = peer.account('pat');
    const noteId = `${pat.actorId}/statuses/7`;
    peer.serve(new URL(noteId).pathname, {
      '@context': AS,
      id: noteId,
      type: 'Note',
      attributedTo: pat.actorId,
      content: '<p>remote words</p>',
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [],
    });
    const { id, row } = await importFile(
      browser,
      'bookmarks',
      'merge',
      'bookmarks.csv',
      `${local.uri}\n${noteId}\n${hidden.uri}\n`,
      /add up to <strong>3 posts<\/strong> from <strong>bookmarks\.csv<\/strong> to your <strong>bookmarks<\/strong>/,
    );
    assert.match(row, /<td class="progress">2 \/ 3<\/td>/, 'a status alice may not see is not bookmarked');
    assert.equal((await browser.download(`/settings/imports/${id}/failures.csv`)).bytes.toString('utf8'), `${hidden.uri}\n`);
    assert.equal(await exported(browser, 'bookmarks'), `${noteId}\n${local.uri}\n`);
    const bookmarks = await call(alice, 'GET', '/api/v1/bookmarks');
    assert.ok(bookmarks.some((status: { uri: string; content: string }) => status.uri === noteId && status.content.includes('remote words')));

    await importFile(browser, 'bookmarks', 'overwrite', 'bookmarks.csv', `${noteId}\n`);
    assert.equal(await exported(browser, 'bookmarks'), `${noteId}\n`);
  });

  it('lists: made as needed with their members (followed), then overwritten', async () => {
    const quinn = peer.account('quinn');
    const { row } = await importFile(browser, 'lists', 'merge', 'lists.csv', `Work,${acct(carol)}\nWork,${quinn.handle}\nFun,${acct(bob)}\n`, /New lists will be created/);
    assert.match(row, /<td class="progress">3 \/ 3<\/td>/);
    const lists = await call(alice, 'GET', '/api/v1/lists');
    assert.deepEqual(lists.map((list: { title: string }) => list.title).sort(), ['Fun', 'Work']);
    await until(async () => (await exported(browser, 'lists')).includes(quinn.handle), 'quinn in the Work list');
    assert.deepEqual(lines(await exported(browser, 'lists')), lines(`Work,${acct(carol)}\nWork,${quinn.handle}\nFun,${acct(bob)}\n`));

    await importFile(browser, 'lists', 'overwrite', 'lists.csv', `Fun,${acct(carol)}\n`);
    assert.equal(await exported(browser, 'lists'), `Fun,${acct(carol)}\n`);
    assert.deepEqual(
      (await call(alice, 'GET', '/api/v1/lists')).map((list: { title: string }) => list.title),
      ['Fun'],
    );
  });

  it('round trip: every export of one member imported by another gives the same exports', async () => {
    const erin = await instance.createUser('erin');
    const erinBrowser = await signedInBrowser(instance.url, erin);
    const types: [string, string, string][] = [
      ['follows', 'following', 'following_accounts.csv'],
      ['blocks', 'blocking', 'blocked_accounts.csv'],
      ['mutes', 'muting', 'muted_accounts.csv'],
      ['domain_blocks', 'domain_blocking', 'blocked_domains.csv'],
      ['lists', 'lists', 'lists.csv'],
      ['bookmarks', 'bookmarks', 'bookmarks.csv'],
    ];
    // alice's lists import followed their members: the round trip takes those follows first
    for (const [name, type, filename] of types) {
      const csv = await exported(browser, name);
      await importFile(erinBrowser, type, 'merge', filename, csv);
    }
    // remote follows are made when the peer accepts them; rows are imported in no set order
    for (const [name] of types) {
      const expected = lines(await exported(browser, name));
      await until(async () => JSON.stringify(lines(await exported(erinBrowser, name))) === JSON.stringify(expected), `erin's ${name} export to be alice's: ${expected.join(' | ')}`);
    }
  });
  it('forgets imports a week old, and uploads left unconfirmed for 10 minutes, in the daily vacuum (Vacuum::ImportsVacuum)', async () => {
    const member = await instance.createUser('forgetful');
    const as = await signedInBrowser(instance.url, member);
    const { id: finished } = await importFile(as, 'domain_blocking', 'merge', 'blocked_domains.csv', 'old.example\n');
    const unconfirmed = /(\d+)$/.exec((await upload(as, 'domain_blocking', 'merge', 'blocked_domains.csv', 'later.example\n')).location!)![1]!;
    const recent = /(\d+)$/.exec((await upload(as, 'domain_blocking', 'merge', 'blocked_domains.csv', 'fresh.example\n')).location!)![1]!;
    const backdate = (id: string, ms: number) =>
      instance.ctx.db
        .update(bulkImports)
        .set({ createdAt: new Date(Date.now() - ms) })
        .where(eq(bulkImports.id, id));
    await backdate(finished, 8 * 24 * 3600 * 1000);
    await backdate(unconfirmed, 11 * 60 * 1000);
    await enqueue(instance.ctx, VacuumScheduler, {});
    await queuesDrained(instance, ['scheduler']);
    const page = await as.get('/settings/imports');
    assert.doesNotMatch(page.html, new RegExp(`data-import="(${finished}|${unconfirmed})"`));
    assert.match(page.html, new RegExp(`data-import="${recent}"`), 'a recent upload stays');
    assert.equal((await as.get(`/settings/imports/${unconfirmed}`)).status, 404);
    assert.equal(await exported(as, 'domain_blocks'), 'old.example\n', 'what was imported stays');
  });
});
