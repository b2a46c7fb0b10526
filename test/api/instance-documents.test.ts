import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { weekStart } from '../../src/services/instance/instance-activity.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('instance extended description, translation languages and activity', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  it('renders the extended description, empty until one is written', async () => {
    const empty = await instance.request('GET', '/api/v1/instance/extended_description');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { updated_at: null, content: '' });
    await updateSetting(instance.ctx, 'site_extended_description', 'Be kind.\n\nNo <script>spam</script>.');
    const written = await instance.request('GET', '/api/v1/instance/extended_description');
    assert.equal(written.body.content, '<p>Be kind.</p><p>No &lt;script&gt;spam&lt;/script&gt;.</p>');
    assert.ok(!Number.isNaN(Date.parse(written.body.updated_at)));
  });

  it("serves the privacy policy as Mastodon's {updated_at, content}: the default text until the admin writes one", async () => {
    const standard = await instance.request('GET', '/api/v1/instance/privacy_policy');
    assert.equal(standard.status, 200);
    assert.deepEqual(Object.keys(standard.body).sort(), ['content', 'updated_at']);
    assert.match(standard.body.content, /^<p>/);
    assert.ok(standard.body.content.includes(instance.config.localDomain), '%{domain} is filled in');
    assert.ok(!Number.isNaN(Date.parse(standard.body.updated_at)));
    await updateSetting(instance.ctx, 'site_terms', 'We keep **nothing** on %{domain}.\n\nAsk [us](https://example.com/contact).');
    const written = await instance.request('GET', '/api/v1/instance/privacy_policy');
    assert.equal(written.body.content, `<p>We keep <strong>nothing</strong> on ${instance.config.localDomain}.</p>\n\n<p>Ask <a href="https://example.com/contact">us</a>.</p>\n`);
    assert.ok(Date.parse(written.body.updated_at) > Date.parse(standard.body.updated_at));
    const page = await instance.request('GET', '/privacy-policy', { headers: { accept: 'text/html' } });
    assert.match(page.text, /We keep <strong>nothing<\/strong>/);
    await updateSetting(instance.ctx, 'site_terms', '');
  });

  it('offers no translation languages without a translation service', async () => {
    const response = await instance.request('GET', '/api/v1/instance/translation_languages');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, {});
  });

  it('counts statuses, logins and sign-ups per week over twelve weeks', async () => {
    const alice = await instance.createUser('alice');
    for (const status of ['one', 'two']) await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status } });
    const response = await instance.request('GET', '/api/v1/instance/activity');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.length, 12);
    const [thisWeek, lastWeek] = response.body;
    assert.equal(thisWeek.week, String(weekStart(new Date()).getTime() / 1000));
    assert.equal(Number(thisWeek.week) - Number(lastWeek.week), 7 * 86_400);
    assert.equal(new Date(Number(thisWeek.week) * 1000).getUTCDay(), 1, 'weeks start on Monday');
    assert.deepEqual({ statuses: thisWeek.statuses, registrations: thisWeek.registrations, logins: thisWeek.logins }, { statuses: '2', registrations: '1', logins: '1' });
    assert.deepEqual({ statuses: lastWeek.statuses, registrations: lastWeek.registrations, logins: lastWeek.logins }, { statuses: '0', registrations: '0', logins: '0' });
    // the answer is cached (for an hour)
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'three' } });
    assert.equal((await instance.request('GET', '/api/v1/instance/activity')).body[0].statuses, '2');
  });
});
