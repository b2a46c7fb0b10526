import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq, sql } from 'drizzle-orm';
import { accounts, users } from '../../src/db/schema.ts';
import { type RegistrationsMode, updateSetting } from '../../src/services/accounts/settings.ts';
import { addRule } from '../../src/services/instance/rules.ts';
import { modifyUser } from '../../src/services/accounts/modify-user.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { mailLinks, waitForMailLink } from '../helpers/mail.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

describe('account pages for members without an app: sign up, confirm, reset a password', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ registrations: 'open' });
  });
  after(() => instance.close());

  const mode = (value: RegistrationsMode) => updateSetting(instance.ctx, 'registrations_mode', value);
  const mailsDrained = () => queuesDrained(instance, ['mailers']);

  async function accountCount(): Promise<number> {
    const [row] = await instance.ctx.db.select({ value: count() }).from(accounts);
    return Number(row!.value);
  }

  /** Opens the form at `path` in a fresh browser and submits it with `fields` (and its hidden ones). */
  async function submit(path: string, fields: Record<string, string>, options: { browser?: Browser; headers?: Record<string, string>; form?: number } = {}) {
    const browser = options.browser ?? new Browser(instance.url);
    const page = await browser.get(path);
    assert.equal(page.status, 200, page.html);
    const form = formFields(page.html, options.form ?? 0);
    return browser.post(form.action, { ...form.fields, ...fields }, options.headers);
  }

  const signUpFields = (name: string, extra: Record<string, string> = {}) => ({
    'user[account_attributes][username]': name,
    'user[email]': `${name}@example.com`,
    'user[password]': 'correct horse battery',
    'user[password_confirmation]': 'correct horse battery',
    'user[agreement]': '1',
    ...extra,
  });

  /** Each browser gets its own authenticity token; the rest of two pages can be compared. */
  const withoutCsrf = (html: string) => html.replace(/name="authenticity_token" value="[^"]*"/g, '');

  const signIn = (email: string, password: string) => submit('/auth/sign_in', { 'user[email]': email, 'user[password]': password });

  it('signs up through the form, mails a link that confirms the address once, then lets the member sign in', async () => {
    await mode('open');
    await addRule(instance.ctx, { text: 'Be excellent to each other', hint: 'No harassment' });
    const form = await new Browser(instance.url).get('/auth/sign_up');
    assert.equal(form.status, 200);
    assert.match(form.html, /name="authenticity_token"/);
    assert.match(form.html, /Be excellent to each other/);
    assert.match(form.html, /href="\/privacy-policy"/);
    assert.doesNotMatch(form.html, /invite_request_attributes/, 'no reason asked in open mode');

    const created = await submit('/auth/sign_up', signUpFields('webbie'));
    assert.equal(created.status, 303, created.html);
    assert.equal(created.location, '/auth/sign_up/done');
    const done = await new Browser(instance.url).get('/auth/sign_up/done');
    assert.match(done.html, /Check your inbox/);

    assert.equal((await signIn('webbie@example.com', 'correct horse battery')).status, 401, 'not before the address is confirmed');
    const link = await waitForMailLink(instance.dataDir, 'webbie@example.com', '/auth/confirmation');
    const confirmed = await new Browser(instance.url).get(link);
    assert.equal(confirmed.status, 200);
    assert.match(confirmed.html, /successfully confirmed/);
    assert.equal((await new Browser(instance.url).get(link)).status, 404, 'a link works once');
    const browser = new Browser(instance.url);
    assert.equal((await submit('/auth/sign_in', { 'user[email]': 'webbie@example.com', 'user[password]': 'correct horse battery' }, { browser })).status, 303);
    const again = await browser.get('/auth/sign_up');
    assert.equal(again.status, 302, 'a signed-in member is not offered another account');
  });

  it('shows the validations of POST /api/v1/accounts in the form, keeping what was typed, and creates nothing', async () => {
    await mode('open');
    await instance.createUser('taken');
    const before = await accountCount();
    const cases: [Record<string, string>, RegExp][] = [
      [signUpFields('taken'), /is already taken/],
      [signUpFields('mismatch', { 'user[password_confirmation]': 'something else' }), /doesn&#39;t match Password|doesn't match Password/],
      [signUpFields('short', { 'user[password]': 'short', 'user[password_confirmation]': 'short' }), /is too short/],
      [signUpFields('noagree', { 'user[agreement]': '0' }), /must be accepted/],
      [signUpFields('bad name!'), /must contain only letters/],
      [signUpFields('bademail', { 'user[email]': 'not-an-address' }), /is invalid/],
    ];
    for (const [fields, error] of cases) {
      const response = await submit('/auth/sign_up', fields);
      assert.equal(response.status, 422, fields['user[account_attributes][username]']);
      assert.match(response.html, error);
      assert.match(response.html, /aria-invalid="true"/);
      assert.ok(response.html.includes(`value="${fields['user[email]']}"`), 'the e-mail typed is kept');
      assert.doesNotMatch(response.html, /correct horse battery/, 'passwords are never sent back');
    }
    assert.equal(await accountCount(), before);
  });

  it('refuses a form without its CSRF token', async () => {
    await mode('open');
    const before = await accountCount();
    const browser = new Browser(instance.url);
    await browser.get('/auth/sign_up');
    const forged = await browser.post('/auth/sign_up', signUpFields('forged'));
    assert.equal(forged.status, 422);
    const wrong = await browser.post('/auth/sign_up', { ...signUpFields('forged'), authenticity_token: 'nope' });
    assert.equal(wrong.status, 422);
    for (const path of ['/auth/password', '/auth/confirmation']) {
      assert.equal((await browser.post(path, { 'user[email]': 'taken@example.com' })).status, 422, path);
    }
    assert.equal(await accountCount(), before);
  });

  it('asks for a reason when staff approve sign-ups, and says so when sign-ups are closed', async () => {
    await mode('approved');
    await updateSetting(instance.ctx, 'require_invite_text', true);
    const form = await new Browser(instance.url).get('/auth/sign_up');
    assert.match(form.html, /name="user\[invite_request_attributes\]\[text\]"[^>]* required/);
    const missing = await submit('/auth/sign_up', signUpFields('pending'));
    assert.equal(missing.status, 422);
    assert.match(missing.html, /can&#39;t be blank|can't be blank/);
    const given = await submit('/auth/sign_up', signUpFields('pending', { 'user[invite_request_attributes][text]': 'I like cats' }));
    assert.equal(given.status, 303);
    const [row] = await instance.ctx.db.select().from(users).where(sql`lower(${users.email}) = 'pending@example.com'`);
    assert.equal(row!.approved, false);
    assert.equal(row!.inviteRequestText, 'I like cats');
    const confirmed = await new Browser(instance.url).get(await waitForMailLink(instance.dataDir, 'pending@example.com', '/auth/confirmation'));
    assert.match(confirmed.html, /pending review/);
    await updateSetting(instance.ctx, 'require_invite_text', false);

    const browser = new Browser(instance.url);
    const open = await browser.get('/auth/sign_up');
    await mode('none');
    await updateSetting(instance.ctx, 'closed_registrations_message', 'We are **full**.');
    const closed = await browser.get('/auth/sign_up');
    assert.equal(closed.status, 200);
    assert.match(closed.html, /Sign-ups are closed/);
    assert.match(closed.html, /<strong>full<\/strong>/);
    const before = await accountCount();
    const refused = await browser.post('/auth/sign_up', { ...formFields(open.html).fields, ...signUpFields('latecomer') });
    assert.equal(refused.status, 403);
    assert.equal(await accountCount(), before);
    await mode('open');
  });

  it('sends a new confirmation link to an unconfirmed address, answering the same for any address', async () => {
    await mode('open');
    assert.equal((await submit('/auth/sign_up', signUpFields('forgetful'))).status, 303);
    const first = await waitForMailLink(instance.dataDir, 'forgetful@example.com', '/auth/confirmation');
    const confirmedUser = await instance.createUser('already');
    const known = await submit('/auth/confirmation/new', { 'user[email]': 'FORGETFUL@example.com' });
    const unknown = await submit('/auth/confirmation/new', { 'user[email]': 'nobody@example.com' });
    const confirmed = await submit('/auth/confirmation/new', { 'user[email]': confirmedUser.email });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(confirmed.status, 200);
    assert.equal(known.html, unknown.html, 'no enumeration');
    assert.equal(known.html, confirmed.html);
    const second = await waitForMailLink(instance.dataDir, 'forgetful@example.com', '/auth/confirmation', [first]);
    await mailsDrained();
    assert.deepEqual(mailLinks(instance.dataDir, confirmedUser.email, '/auth/confirmation'), [], 'a confirmed member gets no link');
    assert.deepEqual(mailLinks(instance.dataDir, 'nobody@example.com', '/auth/confirmation'), []);
    assert.equal((await new Browser(instance.url).get(first)).status, 404, 'the new link replaces the old');
    assert.equal((await new Browser(instance.url).get(second)).status, 200);
  });

  it('resets a password once per link, within 6 hours, signing the member out of every session and app', async () => {
    const member = await instance.createUser('resetter');
    const browser = new Browser(instance.url);
    assert.equal((await submit('/auth/sign_in', { 'user[email]': member.email, 'user[password]': member.password }, { browser })).status, 303);
    assert.equal((await browser.get('/settings/migration')).status, 200, 'signed in');
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: member.token })).status, 200);

    const known = await submit('/auth/password/new', { 'user[email]': member.email });
    const unknown = await submit('/auth/password/new', { 'user[email]': 'stranger@example.com' });
    assert.equal(known.status, 200);
    assert.equal(withoutCsrf(known.html), withoutCsrf(unknown.html), 'no enumeration');
    assert.match(known.html, /If your e-mail address exists/);
    const link = await waitForMailLink(instance.dataDir, member.email, '/auth/password/edit');
    await mailsDrained();
    assert.deepEqual(mailLinks(instance.dataDir, 'stranger@example.com', '/auth/password/edit'), []);

    assert.equal((await new Browser(instance.url).get('/auth/password/edit?reset_password_token=forged')).status, 404);
    const mismatch = await submit(link, { 'user[password]': 'a brand new password', 'user[password_confirmation]': 'another one' });
    assert.equal(mismatch.status, 422);
    assert.match(mismatch.html, /match Password/);
    const tooShort = await submit(link, { 'user[password]': 'short', 'user[password_confirmation]': 'short' });
    assert.equal(tooShort.status, 422);
    const changed = await submit(link, { 'user[password]': 'a brand new password', 'user[password_confirmation]': 'a brand new password' });
    assert.equal(changed.status, 200, changed.html);
    assert.match(changed.html, /changed successfully/);

    assert.equal((await new Browser(instance.url).get(link)).status, 404, 'the link works once');
    assert.equal((await browser.get('/settings/migration')).status, 302, 'the browser session is gone');
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: member.token })).status, 401, 'the app token is revoked');
    assert.equal((await signIn(member.email, member.password)).status, 401);
    assert.equal((await signIn(member.email, 'a brand new password')).status, 303);

    // a link older than 6 hours no longer works
    assert.equal((await submit('/auth/password/new', { 'user[email]': member.email })).status, 200);
    const late = await waitForMailLink(instance.dataDir, member.email, '/auth/password/edit', [link]);
    await instance.ctx.db
      .update(users)
      .set({ resetPasswordSentAt: new Date(Date.now() - 6 * 3600 * 1000 - 60_000) })
      .where(eq(users.id, member.userId));
    assert.equal((await new Browser(instance.url).get(late)).status, 404);
    const blank = await submit('/auth/password/new', {});
    assert.equal(blank.status, 422);
    assert.match(blank.html, /E-mail can&#39;t be blank|E-mail can't be blank/);
  });

  it('forgets a mailed reset link once the address or the password changes another way', async () => {
    const member = await instance.createUser('mover');
    assert.equal((await submit('/auth/password/new', { 'user[email]': member.email })).status, 200);
    const link = await waitForMailLink(instance.dataDir, member.email, '/auth/password/edit');
    assert.equal((await new Browser(instance.url).get(link)).status, 200);
    const [row] = await instance.ctx.db.select().from(users).where(eq(users.id, member.userId));
    await modifyUser(instance.ctx, row!, { email: 'moved@example.com' });
    assert.equal((await new Browser(instance.url).get(link)).status, 404);
  });

  it("throttles sign-ups per address and reset mails per e-mail, as Mastodon's rack-attack", async () => {
    await mode('open');
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_up');
    const { fields } = formFields(page.html);
    for (let i = 1; i <= 25; i++) {
      const attempt = await browser.post('/auth/sign_up', { ...fields, ...signUpFields('x', { 'user[agreement]': '0' }) }, { 'x-forwarded-for': '203.0.113.7' });
      assert.equal(attempt.status, 422, `attempt ${i}`);
    }
    const throttled = await browser.post('/auth/sign_up', { ...fields, ...signUpFields('throttled') }, { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(throttled.status, 429);

    const target = await instance.createUser('flooded');
    const reset = await browser.get('/auth/password/new');
    const resetFields = formFields(reset.html).fields;
    for (let i = 1; i <= 5; i++) {
      const ask = await browser.post('/auth/password', { ...resetFields, 'user[email]': target.email }, { 'x-forwarded-for': `203.0.113.${20 + i}` });
      assert.equal(ask.status, 200, `request ${i}`);
    }
    const flood = await browser.post('/auth/password', { ...resetFields, 'user[email]': target.email.toUpperCase() }, { 'x-forwarded-for': '203.0.113.40' });
    assert.equal(flood.status, 429);
  });
});
