import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accountWarnings, adminActionLogs, appeals } from '../../src/db/schema.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';

describe('strikes and appeals (/disputes/strikes)', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  before(async () => {
    instance = await startInstance();
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
  });
  after(() => instance.close());

  const strike = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', `/api/v1/admin/accounts/${user.accountId}/action`, { token: moderator.token, json });
    assert.equal(response.status, 200, response.text);
    const [row] = await instance.ctx.db.select().from(accountWarnings).where(eq(accountWarnings.targetAccountId, user.accountId)).orderBy(accountWarnings.id);
    return row!.id;
  };
  const appealsOf = (strikeId: string) => instance.ctx.db.select().from(appeals).where(eq(appeals.accountWarningId, strikeId));
  const appeal = async (browser: Browser, strikeId: string, text: string) => {
    const page = await browser.get(`/disputes/strikes/${strikeId}`);
    assert.equal(page.status, 200, page.html);
    const form = formFields(page.html);
    assert.equal(form.action, `/disputes/strikes/${strikeId}/appeal`);
    return browser.post(form.action, { ...form.fields, 'appeal[text]': text });
  };

  it('shows the member their strikes and takes an appeal, which staff approve, undoing the action', async () => {
    const member = await instance.createUser('limited');
    const strikeId = await strike(member, { type: 'silence', text: 'Too much self-promotion' });
    const browser = await signedInBrowser(instance.url, member);

    const list = await browser.get('/disputes/strikes');
    assert.equal(list.status, 200);
    assert.match(list.html, new RegExp(`href="/disputes/strikes/${strikeId}">Limited account`));
    const page = await browser.get(`/disputes/strikes/${strikeId}`);
    assert.match(page.html, /Too much self-promotion/);

    const empty = await appeal(browser, strikeId, '   ');
    assert.equal(empty.status, 422);
    assert.match(empty.html, /Text can(&#39;|')t be blank/);
    const appealed = await appeal(browser, strikeId, 'I only posted twice');
    assert.equal(appealed.status, 303, appealed.html);
    assert.equal(appealed.location, `/disputes/strikes/${strikeId}`);
    const waiting = await browser.get(`/disputes/strikes/${strikeId}`);
    assert.match(waiting.html, /Appeal waiting for a decision/);
    assert.match(waiting.html, /I only posted twice/);
    assert.doesNotMatch(waiting.html, /<form method="post" action="\/disputes/, 'no second appeal');

    const strikes = await instance.request('GET', `/api/v1/admin/accounts/${member.accountId}/strikes`, { token: moderator.token });
    assert.equal(strikes.status, 200, strikes.text);
    assert.deepEqual(strikes.body[0].appeal, { text: 'I only posted twice', state: 'pending' });
    assert.equal(strikes.body[0].action, 'silence');

    const [pending] = await appealsOf(strikeId);
    // a Moderator may not decide appeals (manage_appeals); an Admin may
    assert.equal((await instance.request('POST', `/api/v1/admin/appeals/${pending!.id}/approve`, { token: moderator.token })).status, 403);
    const approved = await instance.request('POST', `/api/v1/admin/appeals/${pending!.id}/approve`, { token: admin.token });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.appeal.state, 'approved');
    assert.equal((await instance.request('GET', `/api/v1/admin/accounts/${member.accountId}`, { token: admin.token })).body.silenced, false, 'the limit is lifted');
    assert.match((await browser.get(`/disputes/strikes/${strikeId}`)).html, /Appeal approved/);
    assert.equal((await instance.request('POST', `/api/v1/admin/appeals/${pending!.id}/reject`, { token: admin.token })).status, 403, 'decided already');
    const log = await instance.ctx.db.select().from(adminActionLogs).where(eq(adminActionLogs.targetId, pending!.id));
    assert.deepEqual(
      log.map((row) => [row.action, row.targetType]),
      [['approve', 'Appeal']],
    );
  });

  it('keeps a rejected strike, and shows members only their own strikes', async () => {
    const member = await instance.createUser('warned');
    const other = await instance.createUser('bystander');
    const strikeId = await strike(member, { type: 'sensitive', text: 'Mark your media' });
    const browser = await signedInBrowser(instance.url, member);
    assert.equal((await appeal(browser, strikeId, 'It was art')).status, 303);
    const [pending] = await appealsOf(strikeId);
    const rejected = await instance.request('POST', `/api/v1/admin/appeals/${pending!.id}/reject`, { token: admin.token });
    assert.equal(rejected.body.appeal.state, 'rejected');
    assert.equal((await instance.request('GET', `/api/v1/admin/accounts/${member.accountId}`, { token: admin.token })).body.sensitized, true, 'still sensitive');
    assert.match((await browser.get(`/disputes/strikes/${strikeId}`)).html, /Appeal rejected/);

    const otherBrowser = await signedInBrowser(instance.url, other);
    assert.equal((await otherBrowser.get(`/disputes/strikes/${strikeId}`)).status, 404);
    assert.match((await otherBrowser.get('/disputes/strikes')).html, /good standing/);
    const visitor = await new Browser(instance.url).get('/disputes/strikes');
    assert.equal(visitor.status, 302);
    assert.equal(visitor.location, '/auth/sign_in?return_to=%2Fdisputes%2Fstrikes');
  });

  it('e-mails the member about a strike, with the link to appeal it, unless told not to', async () => {
    const member = await instance.createUser('mailed', { email: 'mailed@example.com' });
    // the file mailer's messages to the member (quoted-printable folds long lines)
    const mails = () => {
      const dir = join(instance.dataDir, 'mail');
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .map((name) =>
          readFileSync(join(dir, name), 'utf8')
            .replace(/=\r?\n/g, '')
            .replace(/=3D/g, '='),
        )
        .filter((mail) => /^To: .*mailed@example\.com/im.test(mail));
    };
    const strikeId = await strike(member, { type: 'suspend', text: 'Repeated spam' });
    const mail = await until(async () => mails()[0], 'the warning mail');
    assert.match(mail, /Subject: Your account @mailed@\S+ has been suspended/);
    assert.match(mail, /Repeated spam/);
    assert.ok(mail.includes(`/disputes/strikes/${strikeId}`), mail);

    await strike(member, { type: 'none', text: 'Quietly noted', send_email_notification: 'false' });
    await queuesDrained(instance, ['mailers']);
    assert.equal(mails().length, 1, 'no mail when send_email_notification is false');
  });
});
