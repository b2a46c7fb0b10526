import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRestAPIClient, type mastodon } from 'masto';
import { mediaAttachments, users } from '../../src/db/schema.ts';
import { findTagByName } from '../../src/services/statuses/tag-entities.ts';
import { fabricateFollow, fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const DAY = 86_400_000;
const day = (offset = 0) => new Date(Math.floor(Date.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const bucket = (offset = 0) => `${day(offset)}T00:00:00Z`;

/** The dashboard's numbers (Api::V1::Admin::{Measures,Dimensions,Retention}), as Mastodon's admin clients ask for them. */
describe('admin API: measures, dimensions and retention', () => {
  let instance: TestInstance;
  let moderator: TestUser;
  let member: TestUser;
  let other: TestUser;
  let staff: mastodon.rest.Client;
  let tagId: string;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });
  const measure = async (keys: string[], extra: Record<string, unknown> = {}) => {
    const response = await call('POST', moderator, '/api/v1/admin/measures', { keys, start_at: day(-2), end_at: day(), ...extra });
    assert.equal(response.status, 200, response.text);
    return response.body as { key: string; total: string; previous_total?: string; unit: string | null; human_value?: string; data: { date: string; value: string }[] }[];
  };
  const today = (m: { data: { date: string; value: string }[] }) => m.data.find((point) => point.date === bucket())?.value;

  before(async () => {
    // midnight between the posts and the checks would move them to another day
    const untilMidnight = DAY - (Date.now() % DAY);
    if (untilMidnight < 120_000) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
    instance = await startInstance();
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member');
    other = await instance.createUser('other');
    staff = createRestAPIClient({ url: instance.url, accessToken: moderator.token });
    await instance.ctx.db.update(users).set({ locale: 'de' }).where(eq(users.id, member.userId));
  });
  after(() => instance.close());

  it('measures the period day by day, with the previous period’s total', async () => {
    const posted = await call('POST', member, '/api/v1/statuses', { status: 'Hello #Cats', language: 'fr' });
    await call('POST', other, '/api/v1/statuses', { status: 'Me too #cats', language: 'fr' });
    tagId = (await findTagByName(instance.ctx, 'cats'))!.id;
    assert.equal((await call('POST', other, `/api/v1/statuses/${posted.body.id}/favourite`)).status, 200);
    assert.equal((await call('POST', other, '/api/v1/statuses', { status: 'Reply', in_reply_to_id: posted.body.id })).status, 200);
    const report = await call('POST', other, '/api/v1/reports', { account_id: member.accountId, comment: 'hmm' });
    assert.equal(report.status, 200, report.text);

    const measures = await staff.v1.admin.measures.create({
      keys: ['active_users', 'new_users', 'interactions', 'opened_reports', 'resolved_reports', 'tag_accounts', 'tag_uses', 'tag_servers'],
      startAt: day(-2),
      endAt: day(),
      tagAccounts: { id: tagId },
      tagUses: { id: tagId },
      tagServers: { id: tagId },
    });
    const byKey = Object.fromEntries(measures.map((m) => [m.key, m]));
    assert.deepEqual(Object.keys(byKey), ['active_users', 'new_users', 'interactions', 'opened_reports', 'resolved_reports', 'tag_accounts', 'tag_uses', 'tag_servers']);
    // one bucket a day, from the start day to the end day
    assert.deepEqual(
      byKey.new_users!.data.map((point) => point.date),
      [bucket(-2), bucket(-1), bucket()],
    );
    assert.equal(byKey.new_users!.total, '3');
    assert.equal(today(byKey.new_users!), '3');
    assert.equal(byKey.new_users!.previousTotal, '0');
    // the moderator, the member and the other used their tokens today
    assert.equal(today(byKey.active_users!), '3');
    // a favourite and a reply to a local status
    assert.equal(byKey.interactions!.total, '2');
    assert.equal(byKey.opened_reports!.total, '1');
    assert.equal(byKey.resolved_reports!.total, '0');
    assert.equal(byKey.tag_accounts!.total, '2');
    assert.equal(byKey.tag_uses!.total, '2');
    // local statuses come from no other server
    assert.equal(byKey.tag_servers!.total, '0');

    await staff.v1.admin.reports.$select(report.body.id).resolve();
    assert.equal((await measure(['resolved_reports']))[0]!.total, '1');
    // a period before any of it
    const [earlier] = await measure(['new_users'], { start_at: day(-10), end_at: day(-8) });
    assert.deepEqual([earlier!.total, earlier!.previous_total], ['0', '0']);
  });

  it('measures a remote server (instance_* keys), with all-time totals', async () => {
    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'far', domain: 'far.example' });
    const sub = await fabricateRemoteAccount(instance.ctx, { username: 'sub', domain: 'sub.far.example' });
    await fabricateStatus(instance.ctx, remote.id, { language: 'es', text: 'hola', content: '<p>hola</p>' });
    await fabricateStatus(instance.ctx, sub.id, { language: 'es', text: 'hola', content: '<p>hola</p>' });
    await fabricateFollow(instance.ctx, member.accountId, remote.id);
    await fabricateFollow(instance.ctx, remote.id, member.accountId);
    await instance.ctx.db.insert(mediaAttachments).values({ accountId: remote.id, type: 'image', remoteUrl: 'https://far.example/a.png', fileSize: 2048 });
    assert.equal((await call('POST', member, '/api/v1/reports', { account_id: remote.id, comment: 'spam', forward: false })).status, 200);

    const keys = ['instance_accounts', 'instance_media_attachments', 'instance_reports', 'instance_statuses', 'instance_follows', 'instance_followers'];
    const measures = await measure(keys, Object.fromEntries(keys.map((key) => [key, { domain: 'far.example' }])));
    const byKey = Object.fromEntries(measures.map((m) => [m.key, m]));
    assert.deepEqual(
      keys.map((key) => byKey[key]!.total),
      ['1', '2048', '1', '1', '1', '1'],
    );
    assert.equal(today(byKey.instance_statuses!), '1');
    assert.equal(byKey.instance_media_attachments!.unit, 'bytes');
    assert.equal(byKey.instance_media_attachments!.human_value, '2 KB');
    assert.equal(byKey.instance_accounts!.previous_total, undefined, 'no previous total for an all-time total');
    const [withSubdomains] = await measure(['instance_accounts'], { instance_accounts: { domain: 'far.example', include_subdomains: true } });
    assert.equal(withSubdomains!.total, '2');
  });

  it('refuses measures without their parameter or period', async () => {
    const missing = await call('POST', moderator, '/api/v1/admin/measures', { keys: ['tag_uses'], start_at: day(-1), end_at: day() });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'param is missing or the value is empty: tag_uses');
    const undated = await call('POST', moderator, '/api/v1/admin/measures', { keys: ['new_users'] });
    assert.equal(undated.status, 400);
    assert.match(undated.body.error, /start_at/);
    const backwards = await call('POST', moderator, '/api/v1/admin/measures', { keys: ['new_users'], start_at: day(), end_at: day(-1) });
    assert.equal(backwards.status, 400);
    // an unknown key is left out
    assert.deepEqual(await measure(['no_such_measure']), []);
  });

  it('breaks the activity down by dimension', async () => {
    const dimensions = await staff.v1.admin.dimensions.create({
      keys: ['languages', 'sources', 'servers', 'space_usage', 'software_versions', 'tag_servers', 'tag_languages', 'instance_accounts', 'instance_languages'],
      startAt: day(-1),
      endAt: day(),
      limit: '5',
      tagServers: { id: tagId },
      tagLanguages: { id: tagId },
      instanceAccounts: { domain: 'far.example' },
      instanceLanguages: { domain: 'far.example' },
    });
    const byKey = Object.fromEntries(dimensions.map((d) => [d.key, d.data]));
    const local = instance.config.localDomain;
    assert.deepEqual(
      byKey.tag_languages!.map((item) => [item.key, item.humanKey, item.value]),
      [['fr', 'French', '2']],
    );
    assert.deepEqual(
      byKey.tag_servers!.map((item) => [item.key, item.value]),
      [[local, '2']],
    );
    assert.deepEqual(
      byKey.instance_accounts!.map((item) => [item.key, item.value]),
      [['far', '1']],
    );
    assert.deepEqual(
      byKey.instance_languages!.map((item) => [item.key, item.humanKey, item.value]),
      [['es', 'Spanish', '1']],
    );
    assert.ok(byKey.servers!.some((item) => item.key === local && Number(item.value) >= 3));
    assert.ok(byKey.servers!.some((item) => item.key === 'far.example' && item.value === '1'));
    assert.deepEqual(
      byKey.sources!.map((item) => item.key),
      ['web'],
    );
    const space = Object.fromEntries(byKey.space_usage!.map((item) => [item.key, item]));
    assert.ok(Number(space.postgresql!.value) > 0);
    assert.equal(space.postgresql!.unit, 'bytes');
    assert.equal(space.media!.value, '2048');
    const versions = Object.fromEntries(byKey.software_versions!.map((item) => [item.key, item.value]));
    assert.equal(versions.node, process.versions.node);
    assert.match(versions.postgresql!, /^\d+/);
    assert.ok(versions.mastodon);
    // languages: the interface languages of users signed in during the period (none has signed in yet)
    assert.deepEqual(byKey.languages, []);

    const missing = await call('POST', moderator, '/api/v1/admin/dimensions', { keys: ['instance_languages'] });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'param is missing or the value is empty: instance_languages');
    // space usage and versions need no period
    const undated = await call('POST', moderator, '/api/v1/admin/dimensions', { keys: ['software_versions'] });
    assert.equal(undated.status, 200, undated.text);
  });

  it('counts the users who signed up in each period and came back after it (retention)', async () => {
    await instance.ctx.db.update(users).set({ currentSignInAt: new Date() }).where(eq(users.id, member.userId));
    const cohorts = await staff.v1.admin.retention.create({ startAt: day(-1), endAt: day(), frequency: 'day' });
    assert.deepEqual(
      cohorts.map((cohort) => [cohort.period, cohort.frequency, cohort.data.map((point) => point.date)]),
      [
        [bucket(-1), 'day', [bucket(-1), bucket()]],
        [bucket(), 'day', [bucket()]],
      ],
    );
    const last = cohorts[1]!.data[0]!;
    // three signed up today, one came back
    assert.deepEqual([last.value, last.rate], ['1', 1 / 3]);
    const monthly = await call('POST', moderator, '/api/v1/admin/retention', { start_at: day(), end_at: day(), frequency: 'month' });
    assert.equal(monthly.status, 200, monthly.text);
    assert.deepEqual(
      monthly.body.map((cohort: { period: string; frequency: string }) => [cohort.period, cohort.frequency]),
      [[`${day().slice(0, 7)}-01T00:00:00Z`, 'month']],
    );
    // languages of the users signed in during the period
    const languages = await call('POST', moderator, '/api/v1/admin/dimensions', { keys: ['languages'], start_at: day(), end_at: day() });
    assert.deepEqual(languages.body[0].data, [{ key: 'de', human_key: 'German', value: '1' }]);
  });

  it('is for staff who may view the dashboard', async () => {
    const body = { keys: ['new_users'], start_at: day(), end_at: day() };
    const asMember = await call('POST', member, '/api/v1/admin/measures', body);
    assert.equal(asMember.status, 403);
    const pretender = await instance.createUser('pretender', { scopes: 'admin:read' });
    for (const path of ['/api/v1/admin/measures', '/api/v1/admin/dimensions', '/api/v1/admin/retention']) {
      const response = await call('POST', pretender, path, body);
      assert.equal(response.status, 403, path);
      assert.equal(response.body.error, 'This action is not allowed');
    }
    const writeOnly = await instance.createUser('writer', { role: 'Admin', scopes: 'admin:write' });
    assert.equal((await call('POST', writeOnly, '/api/v1/admin/measures', body)).status, 403);
  });
});
