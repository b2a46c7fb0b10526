import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminActionLogs, announcements, customEmojis } from '../../src/db/schema.ts';
import { type Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { pngImage } from '../helpers/link-pages.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';
import { fetchStoredFile } from '../helpers/stored-files.ts';

describe('staff web interface: announcements and custom emoji', () => {
  let instance: TestInstance;
  let member: TestUser;
  let admin: Browser;
  let moderator: Browser;
  let memberBrowser: Browser;
  before(async () => {
    instance = await startInstance();
    member = await instance.createUser('member');
    admin = await signedInBrowser(instance.url, await instance.createUser('admin', { role: 'Admin' }));
    moderator = await signedInBrowser(instance.url, await instance.createUser('moderator', { role: 'Moderator' }));
    memberBrowser = await signedInBrowser(instance.url, member);
  });
  after(() => instance.close());

  const memberAnnouncements = async () => {
    const response = await instance.request('GET', '/api/v1/announcements', { token: member.token });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; content: string }[];
  };
  const listedEmoji = async () => {
    const response = await instance.request('GET', '/api/v1/custom_emojis');
    assert.equal(response.status, 200, response.text);
    return response.body as { shortcode: string; url: string; static_url: string; category?: string; visible_in_picker: boolean }[];
  };
  const PAGE = '/admin/announcements';

  it('creates an announcement members see, unpublishes, publishes again and deletes it, each in the audit log', async () => {
    const created = await submitStaffForm(admin, PAGE, PAGE, { text: 'Maintenance tonight', starts_at: '2026-12-10T20:00', ends_at: '2026-12-10T22:00' });
    assert.equal(created.status, 303, created.html);
    const [row] = await instance.ctx.db.select().from(announcements);
    assert.equal(row!.published, true);
    assert.equal(row!.startsAt!.toISOString(), '2026-12-10T20:00:00.000Z');
    const seen = await memberAnnouncements();
    assert.equal(seen.length, 1);
    assert.match(seen[0]!.content, /Maintenance tonight/);
    const page = await admin.get(PAGE);
    assert.match(page.html, /Maintenance tonight/);
    assert.match(page.html, /Published/);

    assert.equal((await submitStaffForm(admin, PAGE, `${PAGE}/${row!.id}/unpublish`)).status, 303);
    assert.deepEqual(await memberAnnouncements(), []);
    assert.match((await admin.get(PAGE)).html, /Not published/);
    assert.equal((await submitStaffForm(admin, PAGE, `${PAGE}/${row!.id}/publish`)).status, 303);
    assert.equal((await memberAnnouncements()).length, 1);
    assert.equal((await submitStaffForm(admin, PAGE, `${PAGE}/${row!.id}/delete`)).status, 303);
    assert.deepEqual(await memberAnnouncements(), []);
    assert.equal((await instance.ctx.db.select().from(announcements)).length, 0);
    assert.match((await admin.get(PAGE)).html, /No announcements/);

    const logged = (await instance.ctx.db.select().from(adminActionLogs)).filter((entry) => entry.targetType === 'Announcement').map((entry) => entry.action);
    assert.deepEqual(logged.sort(), ['create', 'destroy', 'publish', 'unpublish']);
    // an announcement that is not there
    const gone = await admin.post(`${PAGE}/1/publish`, { authenticity_token: formFields((await admin.get(PAGE)).html).fields.authenticity_token! });
    assert.equal(gone.status, 404);
  });

  it('refuses empty text and an end before the start with 422, the problem on the page, nothing created', async () => {
    const blank = await submitStaffForm(admin, PAGE, PAGE, { text: '  ' });
    assert.equal(blank.status, 422);
    assert.match(blank.html, /Text can(&#39;|&#x27;|')t be blank/);
    const backwards = await submitStaffForm(admin, PAGE, PAGE, { text: 'Backwards', starts_at: '2026-12-10T20:00', ends_at: '2026-12-09T20:00' });
    assert.equal(backwards.status, 422);
    assert.match(backwards.html, /Ends at must be after the start/);
    assert.match(backwards.html, /Backwards<\/textarea>/, 'the text is kept');
    const unreadable = await submitStaffForm(admin, PAGE, PAGE, { text: 'Odd', starts_at: 'tomorrow', ends_at: '2026-12-09T20:00' });
    assert.equal(unreadable.status, 422);
    assert.match(unreadable.html, /Starts at is not a date/);
    assert.equal((await instance.ctx.db.select().from(announcements)).length, 0);
  });

  it('uploads an emoji the API lists with its URL; disabling hides it, the category and picker are set, delete removes it', async () => {
    const EMOJI = '/admin/custom_emojis';
    const shown = await admin.get(EMOJI);
    const token = formFields(shown.html).fields.authenticity_token!;
    const upload = await admin.postMultipart(
      EMOJI,
      { authenticity_token: token, shortcode: 'blobcat', category: 'Cats' },
      { image: { filename: 'blobcat.png', content: await pngImage(32, 32), type: 'image/png' } },
    );
    assert.equal(upload.status, 303, upload.html);
    let listed = await listedEmoji();
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.shortcode, 'blobcat');
    assert.equal(listed[0]!.category, 'Cats');
    assert.match(listed[0]!.url, /custom_emojis\/images\/.+\/original\/[0-9a-f]+\.png$/);
    const image = await fetchStoredFile(instance, listed[0]!.url);
    assert.equal(image.status, 200);
    assert.match((await admin.get(EMOJI)).html, /<code>:blobcat:<\/code>/);

    const again = await admin.postMultipart(EMOJI, { authenticity_token: token, shortcode: 'blobcat' }, { image: { filename: 'b.png', content: await pngImage(16, 16), type: 'image/png' } });
    assert.equal(again.status, 422);
    assert.match(again.html, /Shortcode has already been taken/);
    const notImage = await admin.postMultipart(EMOJI, { authenticity_token: token, shortcode: 'broken' }, { image: { filename: 'b.png', content: 'not an image', type: 'image/png' } });
    assert.equal(notImage.status, 422);
    const badCode = await admin.postMultipart(EMOJI, { authenticity_token: token, shortcode: 'bad-code' }, { image: { filename: 'b.png', content: await pngImage(16, 16), type: 'image/png' } });
    assert.equal(badCode.status, 422);
    assert.equal((await instance.ctx.db.select().from(customEmojis)).length, 1);

    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/category`, { category: 'Felines' })).status, 303);
    assert.equal((await listedEmoji())[0]!.category, 'Felines');
    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/unlist`)).status, 303);
    assert.deepEqual(await listedEmoji(), [], 'the picker list leaves unlisted emoji out, as Mastodon’s');
    assert.match((await admin.get(EMOJI)).html, /Unlisted/);
    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/list`)).status, 303);
    assert.equal((await listedEmoji())[0]!.visible_in_picker, true);
    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/disable`)).status, 303);
    assert.deepEqual(await listedEmoji(), []);
    assert.match((await admin.get(EMOJI)).html, /Disabled/);
    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/enable`)).status, 303);
    listed = await listedEmoji();
    assert.equal(listed.length, 1);
    assert.equal((await submitStaffForm(admin, EMOJI, `${EMOJI}/blobcat/delete`)).status, 303);
    assert.deepEqual(await listedEmoji(), []);
    assert.equal((await instance.ctx.db.select().from(customEmojis)).length, 0);
    const logged = (await instance.ctx.db.select().from(adminActionLogs)).filter((entry) => entry.targetType === 'CustomEmoji').map((entry) => entry.action);
    assert.deepEqual(logged.sort(), ['create', 'destroy', 'disable', 'enable', 'list', 'unlist', 'update']);
  });

  it('refuses a Moderator (403) and a member on both pages', async () => {
    for (const path of [PAGE, '/admin/custom_emojis']) {
      assert.equal((await moderator.get(path)).status, 403, path);
      assert.equal((await memberBrowser.get(path)).status, 403, path);
    }
  });
});
