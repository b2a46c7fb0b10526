import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRestAPIClient, type mastodon } from 'masto';
import { previewCards, previewCardTrends, statusTrends, tagTrends } from '../../src/db/schema.ts';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { findTagByName } from '../../src/services/statuses/tag-entities.ts';
import { recordProviders } from '../../src/services/trends/providers.ts';
import { signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';

/**
 * Staff review of trends through the admin API (Api::V1::Admin::Trends::*), as Mastodon's admin
 * clients call it: staff who may manage taxonomies see every trending item with its review and
 * approve or reject it, which decides what the public trends show. The trend scores themselves are
 * the refresh job's (test/api/trends.test.ts): here they are set directly.
 */
describe('admin API: trends review and hashtags', () => {
  let instance: TestInstance;
  let moderator: TestUser;
  let member: TestUser;
  /** a member whose token carries the admin scopes: still no staff */
  let pretender: TestUser;
  let staff: mastodon.rest.Client;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });

  before(async () => {
    instance = await startInstance();
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member');
    pretender = await instance.createUser('pretender', { scopes: 'read write admin:read admin:write' });
    staff = createRestAPIClient({ url: instance.url, accessToken: moderator.token });
  });
  after(() => instance.close());

  it('lists trending hashtags with their review, approves and rejects them', async () => {
    assert.equal((await call('POST', member, '/api/v1/statuses', { status: 'I like #Cats' })).status, 200);
    const cats = (await findTagByName(instance.ctx, 'cats'))!;
    await instance.ctx.db.insert(tagTrends).values({ tagId: cats.id, score: 10, rank: 1 });

    // unreviewed: staff see it, the public trends don't, and members asking the admin API get the public list
    const listed = await staff.v1.admin.trends.tags.list();
    assert.deepEqual(
      listed.map((tag) => [tag.id, tag.name, tag.trendable, tag.requiresReview, tag.usable]),
      [[cats.id, 'Cats', false, true, true]],
    );
    assert.ok(Array.isArray(listed[0]!.history));
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    const asMember = await call('GET', pretender, '/api/v1/admin/trends/tags');
    assert.equal(asMember.status, 200, asMember.text);
    assert.deepEqual(asMember.body, []);

    const refused = await call('POST', pretender, `/api/v1/admin/trends/tags/${cats.id}/approve`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'This action is not allowed');

    const approved = await staff.v1.admin.trends.tags.$select(cats.id).approve();
    assert.equal(approved.trendable, true);
    assert.equal(approved.requiresReview, false);
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/tags')).body.map((tag: { name: string }) => tag.name),
      ['Cats'],
    );
    assert.equal((await staff.v1.admin.trends.tags.$select(cats.id).reject()).trendable, false);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    assert.equal((await call('POST', moderator, '/api/v1/admin/trends/tags/123/approve')).status, 404);
  });

  it('lists trending links with their review; a link or its whole site is approved or rejected', async () => {
    const [story] = await instance.ctx.db
      .insert(previewCards)
      .values({ url: 'https://news.example/story', title: 'Big news', description: 'What happened', providerName: 'News', linkType: 'article' })
      .returning();
    const [other] = await instance.ctx.db
      .insert(previewCards)
      .values({ url: 'https://www.news.example/other', title: 'More news', description: 'Again', providerName: 'News', linkType: 'article' })
      .returning();
    await instance.ctx.db.insert(previewCardTrends).values([
      { previewCardId: story!.id, score: 20, rank: 1, language: 'en' },
      { previewCardId: other!.id, score: 10, rank: 2, language: 'en' },
    ]);

    const listed = await staff.v1.admin.trends.links.list();
    assert.deepEqual(
      listed.map((link) => [(link as unknown as { id: string }).id, link.url, (link as unknown as { requiresReview: boolean }).requiresReview]),
      [
        [story!.id, story!.url, true],
        [other!.id, other!.url, true],
      ],
    );
    assert.deepEqual((await call('GET', null, '/api/v1/trends/links')).body, []);

    assert.equal((await call('POST', pretender, `/api/v1/admin/trends/links/${story!.id}/approve`)).status, 403);
    const approved = await staff.v1.admin.trends.links.$select(story!.id).approve();
    assert.equal(approved.url, story!.url);
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/links')).body.map((link: { url: string }) => link.url),
      [story!.url],
    );

    // the site: its links trend unless rejected one by one
    await recordProviders(instance.ctx, [story!.id, other!.id]);
    const providers = await call('GET', moderator, '/api/v1/admin/trends/links/preview_card_providers');
    assert.equal(providers.status, 200, providers.text);
    const site = providers.body.find((provider: { domain: string }) => provider.domain === 'news.example');
    assert.deepEqual(providers.body.map((provider: { domain: string }) => provider.domain).sort(), ['news.example', 'www.news.example']);
    assert.equal(site.requires_review, true);
    assert.equal((await call('GET', pretender, '/api/v1/admin/trends/links/preview_card_providers')).status, 403);
    // the closest site decides: www.news.example was not reviewed, news.example is
    const www = providers.body.find((provider: { domain: string }) => provider.domain === 'www.news.example');
    const approvedSite = await call('POST', moderator, `/api/v1/admin/trends/links/preview_card_providers/${www.id}/approve`);
    assert.equal(approvedSite.status, 200, approvedSite.text);
    assert.deepEqual([approvedSite.body.domain, approvedSite.body.trendable, approvedSite.body.requires_review], ['www.news.example', true, false]);
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/links')).body.map((link: { url: string }) => link.url),
      [story!.url, other!.url],
    );
    const reviewedList = await call('GET', moderator, '/api/v1/admin/trends/links');
    assert.deepEqual(
      reviewedList.body.map((link: { requires_review: boolean }) => link.requires_review),
      [false, false],
    );
    // a link's own rejection wins over its site's approval
    await staff.v1.admin.trends.links.$select(other!.id).reject();
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/links')).body.map((link: { url: string }) => link.url),
      [story!.url],
    );
    const rejectedSite = await call('POST', moderator, `/api/v1/admin/trends/links/preview_card_providers/${site.id}/reject`);
    assert.equal(rejectedSite.body.trendable, false);
    assert.equal((await call('POST', moderator, '/api/v1/admin/trends/links/preview_card_providers/1/approve')).status, 404);
  });

  it('lists trending statuses with their review, approves and rejects them', async () => {
    const posted = await call('POST', member, '/api/v1/statuses', { status: 'A popular post' });
    await instance.ctx.db.insert(statusTrends).values({ statusId: posted.body.id, accountId: member.accountId, score: 5, rank: 1, language: 'en' });

    const listed = await staff.v1.admin.trends.statuses.list();
    assert.deepEqual(
      listed.map((status) => [status.id, (status as unknown as { requiresReview: boolean }).requiresReview]),
      [[posted.body.id, true]],
    );
    assert.deepEqual((await call('GET', null, '/api/v1/trends/statuses')).body, []);
    assert.equal((await call('POST', pretender, `/api/v1/admin/trends/statuses/${posted.body.id}/approve`)).status, 403);

    const approved = await staff.v1.admin.trends.statuses.$select(posted.body.id).approve();
    assert.equal(approved.id, posted.body.id);
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/statuses')).body.map((status: { id: string }) => status.id),
      [posted.body.id],
    );
    await staff.v1.admin.trends.statuses.$select(posted.body.id).reject();
    assert.deepEqual((await call('GET', null, '/api/v1/trends/statuses')).body, []);
  });

  it('shows staff the trends while they are off for everyone else', async () => {
    assert.equal((await call('PUT', null, '/api/v1/admin/trends/tags')).status, 404);
    await updateSetting(instance.ctx, 'trends', false);
    try {
      assert.equal((await staff.v1.admin.trends.tags.list()).length, 1);
      assert.deepEqual((await call('GET', pretender, '/api/v1/admin/trends/tags')).body, []);
    } finally {
      await updateSetting(instance.ctx, 'trends', true);
    }
  });

  it('asks for the admin scopes of a token', async () => {
    const response = await call('GET', member, '/api/v1/admin/trends/tags');
    assert.equal(response.status, 403);
    assert.equal(response.body.error, 'This action is outside the authorized scopes');
  });

  it('lists, shows and updates hashtags (Api::V1::Admin::TagsController)', async () => {
    const cats = (await findTagByName(instance.ctx, 'cats'))!;
    const listed = await call('GET', moderator, '/api/v1/admin/tags');
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.some((tag: { id: string; name: string; listable: boolean }) => tag.id === cats.id && tag.name === 'Cats' && tag.listable === true));
    const shown = await call('GET', moderator, `/api/v1/admin/tags/${cats.id}`);
    assert.deepEqual([shown.body.id, shown.body.name, shown.body.usable, shown.body.trendable, shown.body.listable, shown.body.requires_review], [cats.id, 'Cats', true, false, true, false]);

    const updated = await call('PUT', moderator, `/api/v1/admin/tags/${cats.id}`, { display_name: 'CATS', trendable: true, usable: false, listable: false });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual([updated.body.name, updated.body.trendable, updated.body.usable, updated.body.listable], ['CATS', true, false, false]);
    // approved, but no longer usable: it does not trend
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    await call('PUT', moderator, `/api/v1/admin/tags/${cats.id}`, { usable: true });
    assert.deepEqual(
      (await call('GET', null, '/api/v1/trends/tags')).body.map((tag: { name: string }) => tag.name),
      ['CATS'],
    );

    const renamed = await call('PUT', moderator, `/api/v1/admin/tags/${cats.id}`, { display_name: 'dogs' });
    assert.equal(renamed.status, 422);
    assert.match(renamed.body.error, /Display name/);
    assert.equal((await call('GET', moderator, '/api/v1/admin/tags/999')).status, 404);
    assert.equal((await call('GET', pretender, '/api/v1/admin/tags')).status, 403);
    assert.equal((await call('PUT', pretender, `/api/v1/admin/tags/${cats.id}`, { usable: true })).status, 403);
    const readOnly = await instance.createUser('readonly', { role: 'Admin', scopes: 'admin:read' });
    assert.equal((await call('GET', readOnly, '/api/v1/admin/tags')).status, 200);
    assert.equal((await call('PUT', readOnly, `/api/v1/admin/tags/${cats.id}`, { usable: true })).status, 403);
  });
  it('reviews trends on the staff page too', async () => {
    const cats = (await findTagByName(instance.ctx, 'cats'))!;
    const browser = await signedInBrowser(instance.url, moderator);
    const page = await browser.get('/admin/trends');
    assert.equal(page.status, 200);
    assert.match(page.html, /#CATS<\/td><td>allowed<\/td>/);
    assert.match(page.html, /Big news/);
    assert.match(page.html, /A popular post/);
    const rejected = await submitStaffForm(browser, '/admin/trends', `/admin/trends/tags/${cats.id}/reject`);
    assert.equal(rejected.status, 303, rejected.html);
    assert.deepEqual((await call('GET', null, '/api/v1/trends/tags')).body, []);
    assert.match((await browser.get('/admin/trends')).html, /#CATS<\/td><td>rejected<\/td>/);
    const memberBrowser = await signedInBrowser(instance.url, member);
    assert.equal((await memberBrowser.get('/admin/trends')).status, 403);
  });
});
