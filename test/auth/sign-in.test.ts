import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('password sign-in on the OAuth pages', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  async function signIn(email: string, password: string, headers: Record<string, string> = {}, path = '/auth/sign_in') {
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in?return_to=/oauth/authorize/native');
    const { fields } = formFields(page.html);
    return browser.post(path, { ...fields, 'user[email]': email, 'user[password]': password }, headers);
  }

  it('accepts a bcrypt hash imported from a Mastodon database', async () => {
    const user = await instance.createUser('imported');
    // Mastodon (Devise) stores bcrypt with cost 10: `$2a$10$…`
    const mastodonHash = bcrypt.hashSync('correct horse battery', 10).replace(/^\$2b\$/, '$2a$');
    await instance.ctx.db.update(users).set({ encryptedPassword: mastodonHash }).where(eq(users.id, user.userId));
    const ok = await signIn(user.email, 'correct horse battery');
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/oauth/authorize/native');
    const wrong = await signIn(user.email, 'incorrect horse');
    assert.equal(wrong.status, 401);
  });

  it('hashes new passwords with Argon2id and matches e-mail case-insensitively', async () => {
    const user = await instance.createUser('newcomer', { email: 'NewComer@Example.com' });
    const [row] = await instance.ctx.db.select().from(users).where(eq(users.id, user.userId));
    assert.match(row!.encryptedPassword, /^\$argon2id\$/);
    assert.equal((await signIn('newcomer@example.com', user.password)).status, 303);
  });

  it('keeps out unconfirmed and disabled users with a reason', async () => {
    const { user } = await createLocalAccount(instance.ctx, { username: 'unconfirmed', email: 'unconfirmed@example.com', password: 'a long password' });
    const unconfirmed = await signIn('unconfirmed@example.com', 'a long password');
    assert.equal(unconfirmed.status, 401);
    assert.match(unconfirmed.html, /confirm your email address/);
    await instance.ctx.db.update(users).set({ confirmedAt: new Date(), disabled: true }).where(eq(users.id, user.id));
    const disabled = await signIn('unconfirmed@example.com', 'a long password');
    assert.match(disabled.html, /Your account is disabled/);
  });

  it("throttles guesses at one account from many addresses, as Mastodon's throttle_login_attempts/email", async () => {
    const target = await instance.createUser('guessed');
    const bystander = await instance.createUser('bystander');
    // 25 an hour per account, whatever the address (each address stays far below its own 25 in 5 minutes)
    for (let i = 1; i <= 25; i++) {
      const typed = i % 2 ? target.email.toUpperCase() : ` ${target.email} `;
      const guess = await signIn(typed, `guess ${i}`, { 'x-forwarded-for': `198.51.100.${i}` });
      assert.equal(guess.status, 401, `guess ${i} is answered`);
    }
    const throttled = await signIn(target.email, 'guess 26', { 'x-forwarded-for': '198.51.100.26' });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('x-ratelimit-limit'), '25');
    assert.equal(throttled.headers.get('x-ratelimit-remaining'), '0');
    // the right password does not get through either until the hour is over
    assert.equal((await signIn(target.email, target.password, { 'x-forwarded-for': '198.51.100.27' })).status, 429);
    // nor under another spelling of the path, which the router decodes to the same route
    assert.equal((await signIn(target.email, target.password, { 'x-forwarded-for': '198.51.100.29' }, '/auth/sign%5Fin')).status, 429);
    // other accounts are not affected
    assert.equal((await signIn(bystander.email, bystander.password, { 'x-forwarded-for': '198.51.100.28' })).status, 303);
  });

  it('gives accounts Mastodon-style time-ordered snowflake ids, rendered as strings', async () => {
    const before = Date.now();
    const first = await instance.createUser('snow1');
    const second = await instance.createUser('snow2');
    for (const id of [first.accountId, second.accountId]) {
      assert.match(id, /^\d{15,19}$/);
      const millis = Number(BigInt(id) >> 16n);
      assert.ok(millis >= before - 1000 && millis <= Date.now() + 1000, 'the high bits are the creation time');
    }
    assert.ok(BigInt(second.accountId) > BigInt(first.accountId));
  });
});
