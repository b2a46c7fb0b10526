import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { importIntoNewInstance, startMastodonSource, type MastodonFixture, type MastodonSource } from '../helpers/mastodon-source.ts';
import { addModerationHistory, type ModerationFixture } from '../helpers/mastodon-source-moderation.ts';
import { signUp, signUpAppToken } from '../helpers/sign-up.ts';

describe("subspace import mastodon: the staff's history and the members' choices", () => {
  let source: MastodonSource;
  let fixture: MastodonFixture;
  let moderation: ModerationFixture;
  let environment: TestEnvironment;
  let instance: TestInstance;
  let run: { code: number | string; output: string };

  before(async () => {
    source = await startMastodonSource({ domain: 'subspace.test', baseUrl: 'http://subspace.test' });
    fixture = source.fixture;
    moderation = await addModerationHistory(source);
    ({ environment, run } = await importIntoNewInstance(source));
    instance = await startInstance({ environment, roles: { web: true }, keepEnvironment: true });
  });
  after(async () => {
    await instance?.close();
    await environment?.cleanup();
    await source?.close();
  });

  const admin = (method: string, path: string) => instance.request(method, path, { token: fixture.tokens.aliceAdmin });

  it('reports them imported, and no longer as left behind', () => {
    assert.equal(run.code, 0, run.output);
    for (const line of [
      'strikes: 3',
      'appeals: 2',
      'audit log: 3',
      "moderators' notes on reports: 1",
      "moderators' notes on accounts: 1",
      'invites: 3',
      'canonical e-mail blocks: 1',
      'endorsed accounts: 1',
      'announcement reactions: 3',
      'dismissed announcements: 1',
    ]) {
      assert.match(run.output, new RegExp(`\\n  ${line}\\n`), line);
    }
    const left = run.output.includes('Not carried over:') ? run.output.slice(run.output.indexOf('Not carried over:')) : '';
    for (const gone of [/strikes/, /moderation_warning/, /audit log/, /notes/, /invite/, /canonical/, /endorsed/, /reactions/, /dismissed/]) assert.doesNotMatch(left, gone);
  });

  it("shows the moderators' notes on the report and on the account, by their authors", async () => {
    const staff = await signedInBrowser(instance.url, fixture.alice);
    const report = await staff.get(`/admin/reports/${fixture.report}`);
    assert.equal(report.status, 200, report.html);
    assert.match(report.html, /<a href="\/admin\/accounts\/\d+">@carol<\/a>, 2023-03-01<\/p><blockquote>Looked at it, suspending<\/blockquote>/);
    const account = await staff.get(`/admin/accounts/${fixture.remote.dave}`);
    assert.match(account.html, /<blockquote>Keeps posting spam links<\/blockquote>/);
  });

  it('keeps the strikes with their appeals, for staff and for the member, and an imported appeal can be decided', async () => {
    const bob = await admin('GET', `/api/v1/admin/accounts/${fixture.bob.id}/strikes`);
    assert.equal(bob.status, 200, bob.text);
    assert.deepEqual(
      bob.body.map((strike: any) => [strike.id, strike.action, strike.text, strike.status_ids, strike.appeal, strike.target_account.id, strike.created_at]),
      [
        [moderation.strikes.bobSensitive, 'sensitive', '', [], { text: 'My pictures are of cakes', state: 'approved' }, fixture.bob.id, '2024-03-02T10:00:00.000Z'],
        [moderation.strikes.bobWarning, 'none', 'Please keep it friendly', [fixture.statuses.mention], { text: 'It was a joke', state: 'pending' }, fixture.bob.id, '2024-03-01T10:00:00.000Z'],
      ],
    );
    const dave = await admin('GET', `/api/v1/admin/accounts/${fixture.remote.dave}/strikes`);
    assert.deepEqual(
      dave.body.map((strike: any) => [strike.id, strike.action, strike.text, strike.appeal]),
      [[moderation.strikes.dave, 'suspend', 'Spam', null]],
    );

    // and the notification that told him of the warning
    const told = await instance.request('GET', '/api/v1/notifications?types[]=moderation_warning', { token: fixture.tokens.bob });
    assert.equal(told.status, 200, told.text);
    assert.deepEqual(
      told.body.map((notification: any) => [notification.id, notification.type, notification.moderation_warning?.id, notification.moderation_warning?.action]),
      [['2201', 'moderation_warning', moderation.strikes.bobWarning, 'none']],
    );

    // bob sees his on /disputes (he had two-factor on Mastodon: here he signs in with his password)
    const browser = await signedInBrowser(instance.url, fixture.bob);
    const list = await browser.get('/disputes/strikes');
    assert.match(list.html, new RegExp(`href="/disputes/strikes/${moderation.strikes.bobWarning}"`));
    const page = await browser.get(`/disputes/strikes/${moderation.strikes.bobWarning}`);
    assert.equal(page.status, 200);
    assert.match(page.html, /Please keep it friendly/);
    assert.match(page.html, /Appeal waiting for a decision/);
    assert.match(page.html, /It was a joke/);

    const approved = await admin('POST', `/api/v1/admin/appeals/${moderation.appeals.pending}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.deepEqual(approved.body.appeal, { text: 'It was a joke', state: 'approved' });
    // the decision Mastodon's staff made stays made
    assert.equal((await admin('POST', `/api/v1/admin/appeals/${moderation.appeals.approved}/reject`)).status, 403);
  });

  it('keeps the audit log: who did what to which record, and when', async () => {
    const logs = await admin('GET', '/api/v1/admin/action_logs?limit=40');
    assert.equal(logs.status, 200, logs.text);
    const imported = new Set(Object.values(moderation.actionLogs));
    const [spamBlock] = await source.query<{ id: string }>(`SELECT id::text AS id FROM domain_blocks WHERE domain = 'spam.example'`);
    assert.deepEqual(
      logs.body
        .filter((entry: any) => imported.has(entry.id))
        .map((entry: any) => [entry.id, entry.action, entry.target_type, entry.target_id, entry.summary, entry.account?.username, entry.created_at]),
      [
        [moderation.actionLogs.blockDomain, 'create', 'DomainBlock', spamBlock!.id, 'created domain block spam.example', 'alice', '2024-02-01T00:02:00.000Z'],
        [moderation.actionLogs.resolveReport, 'resolve', 'Report', fixture.report, `resolved report #${fixture.report}`, 'carol', '2024-02-01T00:01:00.000Z'],
        [moderation.actionLogs.suspendDave, 'suspend', 'Account', fixture.remote.dave, 'suspended account @dave@elsewhere.example', 'alice', '2024-02-01T00:00:00.000Z'],
      ],
    );
    const aboutDave = await admin('GET', `/api/v1/admin/action_logs?target_type=Account&target_id=${fixture.remote.dave}`);
    assert.deepEqual(
      aboutDave.body.map((entry: any) => entry.id),
      [moderation.actionLogs.suspendDave],
    );
  });

  it('lets a visitor sign up with an imported invite that is still good, and not with one expired or used up', async () => {
    const appToken = await signUpAppToken(instance);
    const invited = await signUp(instance, appToken, 'hatter', { invite_code: moderation.invites.open });
    assert.equal(invited.status, 200, invited.text);
    // registrations need approval (and a reason) on this instance: the invite lets the hatter in without either
    const hatter = await admin('GET', '/api/v2/admin/accounts?username=hatter');
    assert.deepEqual(
      hatter.body.map((account: any) => [account.username, account.approved]),
      [['hatter', true]],
    );
    for (const [username, code] of [
      ['dormouse', moderation.invites.expired],
      ['hare', moderation.invites.usedUp],
    ] as const) {
      const refused = await signUp(instance, appToken, username, { invite_code: code });
      assert.equal(refused.status, 422, `${code}: ${refused.text}`);
      assert.match(refused.text, /Reason can't be blank/);
    }
    const mine = await instance.request('GET', '/api/v1/invites', { token: fixture.tokens.alice });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.body.map((invite: any) => [invite.id, invite.code, invite.uses, invite.max_uses, invite.autofollow, invite.comment]).sort(), [
      ['1701', moderation.invites.open, 2, 5, true, 'for the tea party'],
      ['1702', moderation.invites.expired, 0, null, false, null],
      ['1703', moderation.invites.usedUp, 1, 1, false, null],
    ]);
  });

  it('keeps the canonical e-mail blocks: the address, however written, cannot sign up again', async () => {
    const blocks = await admin('GET', '/api/v1/admin/canonical_email_blocks');
    assert.equal(blocks.status, 200, blocks.text);
    assert.deepEqual(blocks.body, [{ id: '1801', canonical_email_hash: moderation.blockedEmailHash }]);
    const appToken = await signUpAppToken(instance);
    const blocked = await signUp(instance, appToken, 'spammer', { email: moderation.blockedEmail, reason: 'I like tea' });
    assert.equal(blocked.status, 422, blocked.text);
    assert.match(blocked.text, /Email/i);
    const other = await signUp(instance, appToken, 'caterpillar', { email: 'caterpillar@mail.example', reason: 'I like tea' });
    assert.equal(other.status, 200, other.text);
  });

  it("keeps members' endorsements and their reactions to and dismissals of announcements", async () => {
    for (const [path, token] of [
      ['/api/v1/endorsements', fixture.tokens.alice],
      [`/api/v1/accounts/${fixture.alice.id}/endorsements`, undefined],
    ] as const) {
      const endorsed = await instance.request('GET', path, { token });
      assert.equal(endorsed.status, 200, `${path}: ${endorsed.text}`);
      assert.deepEqual(
        endorsed.body.map((account: any) => account.id),
        [fixture.bob.id],
        path,
      );
    }
    // what a member dismissed is listed only when asked for (with_dismissed), and read
    const seenBy = async (token: string) => {
      const announcements = await instance.request('GET', '/api/v1/announcements?with_dismissed=true', { token });
      assert.equal(announcements.status, 200, announcements.text);
      const [announcement] = announcements.body;
      assert.equal(announcement.id, fixture.announcement);
      return { read: announcement.read, reactions: announcement.reactions.map((reaction: any) => [reaction.name, reaction.count, reaction.me]) };
    };
    assert.deepEqual(await seenBy(fixture.tokens.alice), {
      read: false,
      reactions: [
        ['🍵', 2, true],
        ['blobcat', 1, false],
      ],
    });
    assert.deepEqual((await instance.request('GET', '/api/v1/announcements', { token: fixture.tokens.bob })).body, []);
    assert.deepEqual(await seenBy(fixture.tokens.bob), {
      read: true,
      reactions: [
        ['🍵', 2, true],
        ['blobcat', 1, true],
      ],
    });
  });
});
