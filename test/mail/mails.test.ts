import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { Browser, formFields, signedInBrowser, submitSettings } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { signUp, signUpAppToken } from '../helpers/sign-up.ts';
import { openEventStream } from '../helpers/stream-clients.ts';
import { type ReceivedMail, SMTP_LOGIN, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { HAS_OPENSSL } from '../helpers/test-certificates.ts';

/** The path and query of the first link in `text` to `path` on the instance. */
function linkTo(text: string, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>/]+${path.replace(/[.?]/g, '\\$&')}(\\?[^\\s"<>]*)?`).exec(text);
  assert.ok(match, `a link to ${path} in:\n${text}`);
  const url = new URL(match[0].replace(/&amp;/g, '&'));
  return `${url.pathname}${url.search}`;
}

/** Saves the e-mail preferences form as a browser would: the boxes ticked on the page stay ticked, `changes` on top. */
async function savePreferences(browser: Browser, changes: Record<string, '0' | '1'>) {
  const fields = Object.fromEntries(Object.entries(changes).map(([name, value]) => [`user[settings_attributes][${name}]`, value]));
  const saved = await submitSettings(browser, '/settings/preferences/notifications', fields);
  assert.equal(saved.status, 303);
}

/** Both parts say the same: the text part holds `needle`, and so does the HTML part, escaped. */
function inBothParts(mail: ReceivedMail, needle: string) {
  assert.ok(mail.text.includes(needle), `text part has ${needle}:\n${mail.text}`);
  const escaped = needle.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  assert.ok(mail.html.includes(escaped), `HTML part has ${needle}:\n${mail.html}`);
}

/** What every mail carries: sent over STARTTLS after AUTH, both parts, the instance's name and link, no auto-replies. */
function assertWellFormed(mail: ReceivedMail) {
  assert.equal(mail.secure, true, 'sent after STARTTLS');
  assert.equal(mail.user, SMTP_LOGIN);
  assert.equal(mail.authMethod, 'PLAIN');
  assert.equal(mail.headers.from, 'Subspace Test <notifications@subspace.test>');
  assert.match(mail.headers['content-type'] ?? '', /^multipart\/alternative/);
  assert.equal(mail.headers['auto-submitted'], 'auto-generated');
  assert.ok(mail.text.length > 0 && mail.html.startsWith('<!doctype html>'), 'a text and an HTML part');
  inBothParts(mail, 'Subspace');
  assert.ok(mail.text.includes('http://subspace.test') && mail.html.includes('href="http://subspace.test"'), "the instance's link");
}

describe('mail over SMTP (STARTTLS, AUTH) for every kind of mail, with working links', { skip: HAS_OPENSSL ? false : 'openssl is missing' }, () => {
  let smtp: TestSmtpServer;
  let instance: TestInstance;
  let appToken: string;

  before(async () => {
    smtp = await startSmtpServer();
    instance = await startInstance({ registrations: 'open', env: smtp.env });
    appToken = await signUpAppToken(instance);
  });
  after(async () => {
    await instance?.close();
    await smtp?.close();
  });

  const mailsDrained = () => queuesDrained(instance, ['default', 'mailers']);
  const get = (path: string) => new Browser(instance.url).get(path);

  it('mails the sign-up confirmation link, which confirms the address', async () => {
    const response = await signUp(instance, appToken, 'newbie');
    assert.equal(response.status, 200, response.text);
    const mail = await smtp.waitForMail('newbie@example.com');
    assertWellFormed(mail);
    assert.equal(mail.headers.to, 'newbie@example.com');
    assert.equal(mail.headers.subject, 'Subspace: Confirmation instructions for subspace.test');
    const link = linkTo(mail.text, '/auth/confirmation');
    assert.equal(linkTo(mail.html, '/auth/confirmation'), link);
    const confirmed = await get(link);
    assert.equal(confirmed.status, 200);
    assert.match(confirmed.html, /successfully confirmed/);
  });

  it('resends the confirmation through /api/v1/emails/confirmations, to a corrected address if the signing-up app gives one', async () => {
    const response = await signUp(instance, appToken, 'typo', { email: 'typo@exmaple.com' });
    assert.equal(response.status, 200, response.text);
    const userToken = response.body.access_token as string;
    const first = linkTo((await smtp.waitForMail('typo@exmaple.com')).text, '/auth/confirmation');
    assert.deepEqual((await instance.request('GET', '/api/v1/emails/check_confirmation', { token: userToken })).body, false);

    const resent = await instance.request('POST', '/api/v1/emails/confirmations', { token: userToken, json: {} });
    assert.equal(resent.status, 200, resent.text);
    assert.deepEqual(resent.body, {});
    const second = linkTo((await smtp.waitForMail('typo@exmaple.com', (mail) => !mail.text.includes(first), 'a second link')).text, '/auth/confirmation');
    assert.equal((await get(first)).status, 404, 'the first link no longer works');

    const invalid = await instance.request('POST', '/api/v1/emails/confirmations', { token: userToken, json: { email: 'not an address' } });
    assert.equal(invalid.status, 422, invalid.text);
    const corrected = await instance.request('POST', '/api/v1/emails/confirmations', { token: userToken, json: { email: 'typo@example.com' } });
    assert.equal(corrected.status, 200, corrected.text);
    const mail = await smtp.waitForMail('typo@example.com');
    assertWellFormed(mail);
    assert.equal(mail.headers.subject, 'Subspace: Confirm email for subspace.test');
    assert.equal((await get(second)).status, 404, 'only the newest link works');
    assert.equal((await get(linkTo(mail.text, '/auth/confirmation'))).status, 200);
    assert.deepEqual((await instance.request('GET', '/api/v1/emails/check_confirmation', { token: userToken })).body, true);
    const credentials = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: userToken });
    assert.equal(credentials.status, 200, 'confirmed, the member can use the app');
    await signedInBrowser(instance.url, { email: 'typo@example.com', password: 'correct horse battery staple' });

    const again = await instance.request('POST', '/api/v1/emails/confirmations', { token: userToken, json: {} });
    assert.equal(again.status, 403);
    assert.equal(again.body.error, 'This method is only available while the e-mail is awaiting confirmation');
    const foreign = await instance.request('POST', '/api/v1/emails/confirmations', { token: (await instance.createUser('native')).token, json: {} });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error, 'This method is only available to the application the user originally signed-up with');
  });

  it("throttles an app's resends for one member, as Mastodon's throttle_email_confirmations", async () => {
    const response = await signUp(instance, appToken, 'impatient');
    const token = response.body.access_token as string;
    const resend = (n: number) => instance.request('POST', '/api/v1/emails/confirmations', { token, json: {}, headers: { 'x-forwarded-for': `198.18.${n}.1` } });
    for (let n = 1; n <= 5; n++) assert.equal((await resend(n)).status, 200);
    const throttled = await resend(6);
    assert.equal(throttled.status, 429, throttled.text);
  });

  it('mails a password reset link that opens the new-password form', async () => {
    const member = await instance.createUser('forgetful');
    const browser = new Browser(instance.url);
    const form = formFields((await browser.get('/auth/password/new')).html);
    assert.equal((await browser.post(form.action, { ...form.fields, 'user[email]': member.email })).status, 200);
    const mail = await smtp.waitForMail(member.email);
    assertWellFormed(mail);
    assert.match(mail.headers.subject ?? '', /Reset password instructions/);
    const page = await get(linkTo(mail.text, '/auth/password/edit'));
    assert.equal(page.status, 200);
    assert.match(page.html, /reset_password_token/);
  });

  describe('notification e-mails', () => {
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      alice = await instance.createUser('alice');
      bob = await instance.createUser('bob');
    });

    const post = async (author: TestUser, status: string) => {
      const response = await instance.request('POST', '/api/v1/statuses', { token: author.token, json: { status } });
      assert.equal(response.status, 200, response.text);
      return response.body.id as string;
    };

    it('mails a follow and a mention as the defaults say, with List-Unsubscribe headers whose one-click POST switches the kind off', async () => {
      assert.equal((await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token })).status, 200);
      const follow = await smtp.waitForMail(alice.email, (mail) => /followed you/.test(mail.headers.subject ?? ''));
      assertWellFormed(follow);
      assert.equal(follow.headers.to, 'alice <alice@example.com>');
      assert.equal(follow.headers.subject, 'bob followed you');
      inBothParts(follow, 'bob is now following you.');
      assert.equal(follow.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
      assert.equal(follow.headers['list-id'], '<follow.alice.subspace.test>');
      assert.match(follow.headers['list-unsubscribe'] ?? '', /^<http:\/\/subspace\.test\/unsubscribe\?token=[^>]+&type=follow>$/);

      await post(bob, '@alice lunch at noon?');
      const mention = await smtp.waitForMail(alice.email, (mail) => /mentioned/.test(mail.headers.subject ?? ''));
      assertWellFormed(mention);
      assert.equal(mention.headers.subject, 'You were mentioned by bob');
      inBothParts(mention, 'lunch at noon?');
      assert.match(mention.headers['in-reply-to'] ?? '', /^<conversation-\d+@subspace\.test>$/);

      // the unsubscribe page, then the one-click POST a mail provider sends (no session, no CSRF token)
      const unsubscribe = new URL(/^<(.+)>$/.exec(mention.headers['list-unsubscribe']!)![1]!);
      const page = await get(`${unsubscribe.pathname}${unsubscribe.search}`);
      assert.equal(page.status, 200);
      assert.match(page.html, /mention notification e-mails/);
      const forged = await instance.request('POST', `${unsubscribe.pathname}${unsubscribe.search.replace(/token=(\d+)--/, 'token=1$1--')}`, { form: { 'List-Unsubscribe': 'One-Click' } });
      assert.equal(forged.status, 404);
      const oneClick = await instance.request('POST', `${unsubscribe.pathname}${unsubscribe.search}`, { form: { 'List-Unsubscribe': 'One-Click' } });
      assert.equal(oneClick.status, 200, oneClick.text);
      assert.match(oneClick.text, /no longer receive mention notification e-mails/);
      const settings = await (await signedInBrowser(instance.url, alice)).get('/settings/preferences/notifications');
      assert.match(settings.html, /id="notification_emails_follow" name="[^"]+" value="1" checked/);
      assert.match(settings.html, /id="notification_emails_mention" name="[^"]+" value="1">/, 'mention is off now');

      await post(bob, '@alice are you there?');
      await mailsDrained();
      assert.ok(!smtp.mailsTo(alice.email).some((mail) => mail.text.includes('are you there?')), 'no mail for a kind switched off');
    });

    it('mails favourites and boosts once the member switches them on in the preferences page', async () => {
      const first = await post(alice, 'first post');
      assert.equal((await instance.request('POST', `/api/v1/statuses/${first}/favourite`, { token: bob.token })).status, 200);
      await mailsDrained();
      assert.ok(!smtp.mailsTo(alice.email).some((mail) => /favorited/.test(mail.headers.subject ?? '')), 'favourites are not mailed by default');

      const browser = await signedInBrowser(instance.url, alice);
      await savePreferences(browser, { 'notification_emails.favourite': '1', 'notification_emails.reblog': '1' });
      const settings = (await browser.get('/settings/preferences/notifications')).html;
      assert.match(settings, /id="notification_emails_follow" name="[^"]+" value="1" checked/, 'what was on stays on');
      assert.match(settings, /id="notification_emails_mention" name="[^"]+" value="1">/, 'what was off stays off');
      const second = await post(alice, 'second post');
      assert.equal((await instance.request('POST', `/api/v1/statuses/${second}/favourite`, { token: bob.token })).status, 200);
      const favourite = await smtp.waitForMail(alice.email, (mail) => mail.headers.subject === 'bob favorited your post');
      assertWellFormed(favourite);
      inBothParts(favourite, 'second post');
      assert.equal(linkTo(favourite.text, `/@alice/${second}`), `/@alice/${second}`);
      assert.equal((await instance.request('POST', `/api/v1/statuses/${second}/reblog`, { token: bob.token })).status, 200);
      const reblog = await smtp.waitForMail(alice.email, (mail) => mail.headers.subject === 'bob boosted your post');
      assert.equal(reblog.headers['list-id'], '<reblog.alice.subspace.test>');
    });

    it('mails nothing while the member is online (streaming), unless they ask for mails even then', async () => {
      const carol = await instance.createUser('carol');
      const stream = await openEventStream(instance.url, 'user/notification', carol.token);
      try {
        await post(bob, '@carol seen this?');
        await stream.next((event) => event.event === 'notification' && JSON.stringify(event.payload).includes('seen this?'));
        await mailsDrained();
        assert.deepEqual(smtp.mailsTo(carol.email), [], 'she saw it on her stream');

        await savePreferences(await signedInBrowser(instance.url, carol), { always_send_emails: '1' });
        await post(bob, '@carol and this one?');
        const mail = await smtp.waitForMail(carol.email);
        inBothParts(mail, 'and this one?');
      } finally {
        stream.close();
      }
    });

    it('mails a follow request to a locked account', async () => {
      const locked = await instance.createUser('locked');
      assert.equal((await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: locked.token, json: { locked: true } })).status, 200);
      assert.equal((await instance.request('POST', `/api/v1/accounts/${locked.accountId}/follow`, { token: bob.token })).status, 200);
      const mail = await smtp.waitForMail(locked.email, (candidate) => candidate.headers.subject === 'Pending follower: bob');
      assertWellFormed(mail);
      assert.equal(linkTo(mail.text, '/follow_requests'), '/follow_requests');
    });
  });

  it('mails staff who want them new reports and sign-ups awaiting review, with their own unsubscribe links', async () => {
    const admin = await instance.createUser('admin', { role: 'Admin' });
    const reporter = await instance.createUser('reporter');
    const target = await instance.createUser('troll');
    const report = await instance.request('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: target.accountId, comment: 'spamming everyone' } });
    assert.equal(report.status, 200, report.text);
    const mail = await smtp.waitForMail(admin.email, (candidate) => /^New report/.test(candidate.headers.subject ?? ''));
    assertWellFormed(mail);
    assert.equal(mail.headers.subject, `New report for subspace.test (#${report.body.id})`);
    inBothParts(mail, 'reporter has reported troll');
    inBothParts(mail, 'spamming everyone');
    assert.equal(linkTo(mail.text, `/admin/reports/${report.body.id}`), `/admin/reports/${report.body.id}`);
    assert.equal(mail.headers['list-id'], '<report.admin.subspace.test>');

    await updateSetting(instance.ctx, 'registrations_mode', 'approved');
    try {
      const pending = await signUp(instance, appToken, 'hopeful', { reason: 'I like the topic' });
      assert.equal(pending.status, 200, pending.text);
      await get(linkTo((await smtp.waitForMail('hopeful@example.com')).text, '/auth/confirmation'));
      const review = await smtp.waitForMail(admin.email, (candidate) => /up for review/.test(candidate.headers.subject ?? ''));
      assertWellFormed(review);
      assert.equal(review.headers.subject, 'New account up for review on subspace.test (hopeful)');
      inBothParts(review, 'I like the topic');
      assert.match(review.text, /^Review account: http:\/\/subspace\.test\/admin\/accounts\/\d+$/m);
    } finally {
      await updateSetting(instance.ctx, 'registrations_mode', 'open');
    }
  });

  it('mails a moderation warning with what staff wrote and a link to the strike, which the member can open to appeal', async () => {
    const moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    const member = await instance.createUser('warned');
    const action = await instance.request('POST', `/api/v1/admin/accounts/${member.accountId}/action`, { token: moderator.token, json: { type: 'silence', text: 'Too much self-promotion' } });
    assert.equal(action.status, 200, action.text);
    const mail = await smtp.waitForMail(member.email);
    assertWellFormed(mail);
    assert.equal(mail.headers.subject, 'Your account @warned@subspace.test has been limited');
    inBothParts(mail, 'Too much self-promotion');
    const strike = /http:\/\/subspace\.test(\/disputes\/strikes\/\d+)/.exec(mail.text)?.[1];
    assert.ok(strike, mail.text);
    const page = await (await signedInBrowser(instance.url, member)).get(strike);
    assert.equal(page.status, 200);
    assert.match(page.html, /Too much self-promotion/);
  });

  it('changes the address from /auth/edit: a link to the new address, a notice to the old, and the link makes the change', async () => {
    const member = await instance.createUser('mover', { email: 'mover@old.example' });
    const browser = await signedInBrowser(instance.url, member);
    const page = await browser.get('/auth/edit');
    assert.equal(page.status, 200);
    const form = formFields(page.html);
    assert.equal(form.action, '/auth');
    const wrong = await browser.post(form.action, { ...form.fields, 'user[email]': 'mover@new.example', 'user[current_password]': 'not it' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /is invalid/);
    const taken = await browser.post(form.action, { ...form.fields, 'user[email]': 'alice@example.com', 'user[current_password]': member.password });
    assert.equal(taken.status, 422);
    assert.match(taken.html, /already taken/);

    const changed = await browser.post(form.action, { ...form.fields, 'user[email]': 'mover@new.example', 'user[current_password]': member.password });
    assert.equal(changed.status, 303);
    assert.match((await browser.get('/auth/edit')).html, /Waiting for you to confirm <strong>mover@new\.example<\/strong>/);
    const notice = await smtp.waitForMail('mover@old.example', (mail) => /Email changed/.test(mail.headers.subject ?? ''));
    assertWellFormed(notice);
    inBothParts(notice, 'mover@new.example');
    const confirmation = await smtp.waitForMail('mover@new.example');
    assertWellFormed(confirmation);
    assert.equal(confirmation.headers.subject, 'Subspace: Confirm email for subspace.test');
    // until the link is opened, the old address is the one to sign in with
    await signedInBrowser(instance.url, member);

    assert.equal((await get(linkTo(confirmation.text, '/auth/confirmation'))).status, 200);
    await signedInBrowser(instance.url, { email: 'mover@new.example', password: member.password });
    await assert.rejects(signedInBrowser(instance.url, member), /sign-in failed \(401\)/);
    assert.equal((await get(linkTo(confirmation.text, '/auth/confirmation'))).status, 404, 'the link works once');
  });

  it('warns of a sign-in from a new network, not of the first one nor of one from a network already used', async () => {
    const member = await instance.createUser('traveller');
    const signInFrom = async (ip: string) => {
      const browser = new Browser(instance.url);
      const form = formFields((await browser.get('/auth/sign_in')).html);
      const response = await browser.post(
        form.action,
        { ...form.fields, 'user[email]': member.email, 'user[password]': member.password },
        { 'x-forwarded-for': ip, 'user-agent': 'Travel Browser/1.0' },
      );
      assert.equal(response.status, 303);
    };
    await signInFrom('192.0.2.10');
    await signInFrom('192.0.2.11');
    await mailsDrained();
    assert.deepEqual(smtp.mailsTo(member.email), [], 'the first sign-in, then one from the same network');

    await signInFrom('203.0.113.50');
    const mail = await smtp.waitForMail(member.email);
    assertWellFormed(mail);
    assert.equal(mail.headers.subject, 'Your account has been accessed from a new IP address');
    inBothParts(mail, '203.0.113.50');
    inBothParts(mail, 'Travel Browser/1.0');
    await signInFrom('203.0.200.1');
    await signInFrom('192.0.2.99');
    await mailsDrained();
    assert.equal(smtp.mailsTo(member.email).length, 1, 'networks already used are known');
  });
});
