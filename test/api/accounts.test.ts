import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accountDomainBlocks, accountNotes, accountPins, accounts, blocks, followRequests, follows, mutes, oauthAccessTokens, users } from '../../src/db/schema.ts';
import { digest } from '../../src/lib/crypto.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { forgetAccounts } from '../../src/presenters/account-cache.ts';

describe('accounts API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let erin: TestUser;
  let dave: string;
  let appToken: string;

  /** A token for `user` carrying only `scopes`. */
  async function tokenWith(user: TestUser, scopes: string): Promise<string> {
    const token = await issueToken(instance.ctx, { applicationId: null, userId: user.userId, scopes: scopes.split(' ') });
    return token.accessToken;
  }

  async function remoteAccount(username: string, domain: string, extra: Partial<typeof accounts.$inferInsert> = {}): Promise<string> {
    const [row] = await instance.ctx.db
      .insert(accounts)
      .values({ username, domain, uri: `https://${domain}/users/${username}`, url: `https://${domain}/@${username}`, ...extra })
      .returning();
    return row!.id;
  }

  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    erin = await instance.createUser('erin');
    dave = await remoteAccount('dave', 'remote.example', { displayName: 'Dave' });
    const app = await instance.request('POST', '/api/v1/apps', { form: { client_name: 'App', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' } });
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write' },
    });
    appToken = token.body.access_token;
  });
  after(() => instance.close());

  describe('verify_credentials', () => {
    it('renders the CredentialAccount', async () => {
      await instance.ctx.db.insert(followRequests).values({ accountId: bob.accountId, targetAccountId: alice.accountId });
      try {
        const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
        assert.equal(me.status, 200, me.text);
        assert.equal(me.body.id, alice.accountId);
        assert.equal(me.body.username, 'alice');
        assert.equal(me.body.acct, 'alice');
        assert.equal(me.body.url, 'http://subspace.test/@alice');
        assert.equal(me.body.display_name, '');
        assert.equal(me.body.locked, false);
        assert.deepEqual(me.body.emojis, []);
        assert.deepEqual(me.body.fields, []);
        assert.equal(me.body.source.privacy, 'public');
        assert.equal(me.body.source.sensitive, false);
        assert.equal(me.body.source.language, null);
        assert.equal(me.body.source.note, '');
        assert.deepEqual(me.body.source.fields, []);
        assert.equal(me.body.source.follow_requests_count, 1);
        assert.equal(me.body.role.id, '-99');
      } finally {
        await instance.ctx.db.delete(followRequests).where(eq(followRequests.accountId, bob.accountId));
      }
    });

    it('accepts the profile scope alone', async () => {
      const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: await tokenWith(alice, 'profile') });
      assert.equal(me.status, 200, me.text);
    });

    it('needs a user: 422 for an app token, 401 without a token, 403 without a read scope', async () => {
      const app = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: appToken });
      assert.equal(app.status, 422);
      assert.deepEqual(app.body, { error: 'This method requires an authenticated user' });
      const anonymous = await instance.request('GET', '/api/v1/accounts/verify_credentials');
      assert.equal(anonymous.status, 401);
      assert.deepEqual(anonymous.body, { error: 'The access token is invalid' });
      const writeOnly = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: await tokenWith(alice, 'write') });
      assert.equal(writeOnly.status, 403);
      assert.deepEqual(writeOnly.body, { error: 'This action is outside the authorized scopes' });
    });
  });

  describe('update_credentials', () => {
    it('round-trips every field through JSON', async () => {
      const token = await tokenWith(bob, 'read write:accounts');
      const updated = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token,
        json: {
          display_name: '  Bob the Builder  ',
          note: 'Builds things.\n\nSee https://bob.example',
          locked: true,
          bot: true,
          discoverable: true,
          indexable: true,
          hide_collections: true,
          fields_attributes: [
            { name: 'Site', value: 'https://bob.example' },
            { name: '', value: '' },
            { name: 'Pronouns', value: 'he/him' },
          ],
          source: { privacy: 'unlisted', sensitive: true, language: 'de' },
        },
      });
      assert.equal(updated.status, 200, updated.text);
      const body = updated.body;
      assert.equal(body.display_name, 'Bob the Builder');
      assert.equal(body.source.note, 'Builds things.\n\nSee https://bob.example');
      assert.match(body.note, /^<p>Builds things\.<\/p><p>See <a href="https:\/\/bob\.example"/);
      assert.equal(body.locked, true);
      assert.equal(body.bot, true);
      assert.equal(body.discoverable, true);
      assert.equal(body.indexable, true);
      assert.equal(body.noindex, false);
      assert.equal(body.hide_collections, true);
      assert.equal(body.source.hide_collections, true);
      assert.deepEqual(
        body.source.fields.map((f: { name: string; value: string }) => [f.name, f.value]),
        [
          ['Site', 'https://bob.example'],
          ['Pronouns', 'he/him'],
        ],
      );
      assert.equal(body.fields.length, 2);
      assert.match(body.fields[0].value, /^<a href="https:\/\/bob\.example"/);
      assert.equal(body.fields[0].verified_at, null);
      assert.equal(body.source.privacy, 'unlisted');
      assert.equal(body.source.sensitive, true);
      assert.equal(body.source.language, 'de');

      const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: bob.token });
      assert.deepEqual(me.body, body);
      const shown = await instance.request('GET', `/api/v1/accounts/${bob.accountId}`);
      assert.equal(shown.body.display_name, 'Bob the Builder');
      assert.equal(shown.body.source, undefined);
      assert.equal(shown.body.role, undefined);
    });

    it('reads form bodies with Rails booleans and a fields hash', async () => {
      const form = new URLSearchParams([
        ['display_name', 'Carol'],
        ['locked', '1'],
        ['bot', 'off'],
        ['discoverable', 'false'],
        ['indexable', 'on'],
        ['fields_attributes[0][name]', 'Home'],
        ['fields_attributes[0][value]', 'Earth'],
        ['fields_attributes[1][name]', 'Work'],
        ['fields_attributes[1][value]', 'Moon'],
        ['source[privacy]', 'private'],
        ['source[sensitive]', '0'],
      ]);
      const updated = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, form });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.display_name, 'Carol');
      assert.equal(updated.body.locked, true);
      assert.equal(updated.body.bot, false);
      assert.equal(updated.body.discoverable, false);
      assert.equal(updated.body.indexable, true);
      assert.deepEqual(
        updated.body.source.fields.map((f: { name: string }) => f.name),
        ['Home', 'Work'],
      );
      assert.equal(updated.body.source.privacy, 'private');
      assert.equal(updated.body.source.sensitive, false);

      const hash = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: carol.token,
        json: { fields_attributes: { '0': { name: 'Only', value: 'one' } }, locked: 'false' },
      });
      assert.equal(hash.status, 200, hash.text);
      assert.deepEqual(
        hash.body.source.fields.map((f: { name: string }) => f.name),
        ['Only'],
      );
      assert.equal(hash.body.locked, false);
      assert.equal(hash.body.display_name, 'Carol', 'fields not sent stay as they are');
      assert.equal(hash.body.source.privacy, 'private');

      const cleared = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: carol.token,
        json: { fields_attributes: [], source: { language: null } },
      });
      assert.equal(cleared.status, 200);
      assert.deepEqual(cleared.body.fields, []);
      assert.equal(cleared.body.source.language, null);
    });

    it('keeps a field verified while its value is unchanged', async () => {
      const verifiedAt = '2024-05-01T12:00:00.000Z';
      await instance.ctx.db
        .update(accounts)
        .set({ fields: [{ name: 'Site', value: 'https://erin.example', verified_at: verifiedAt }] })
        .where(eq(accounts.id, erin.accountId));
      const same = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: erin.token,
        json: {
          fields_attributes: [
            { name: 'Website', value: 'https://erin.example' },
            { name: 'Other', value: 'x' },
          ],
        },
      });
      assert.equal(same.status, 200, same.text);
      assert.equal(same.body.fields[0].verified_at, verifiedAt);
      assert.equal(same.body.fields[1].verified_at, null);
      const changed = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: erin.token,
        json: { fields_attributes: [{ name: 'Website', value: 'https://other.example' }] },
      });
      assert.equal(changed.body.fields[0].verified_at, null);
    });

    it('refuses invalid input with 422 and writes nothing', async () => {
      const before = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
      const fiveFields = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, value: `v${i}` }));
      const cases: [Record<string, unknown>, string][] = [
        [{ display_name: 'x'.repeat(31) }, 'display_name'],
        [{ note: 'x'.repeat(501) }, 'note'],
        [{ fields_attributes: fiveFields }, 'fields'],
        [{ fields_attributes: [{ name: 'n'.repeat(256), value: 'v' }] }, 'fields'],
        [{ fields_attributes: [{ name: 'n', value: 'v'.repeat(256) }] }, 'fields'],
        [{ fields_attributes: [{ name: '', value: 'orphan value' }] }, 'fields'],
        [{ source: { privacy: 'secret' } }, 'source[privacy]'],
        [{ source: { language: 'klingon' } }, 'source[language]'],
        [{ display_name: 'Valid name', locked: true, source: { privacy: 'nope' } }, 'source[privacy]'],
      ];
      for (const [body, field] of cases) {
        const response = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json: body });
        assert.equal(response.status, 422, `${JSON.stringify(body).slice(0, 80)}: ${response.text}`);
        assert.match(response.body.error, /^Validation failed: /);
        assert.ok(response.body.details[field], `${field} in ${response.text}`);
      }
      // exactly at the limits is fine
      const atLimit = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: await tokenWith(erin, 'write'),
        json: { display_name: 'é'.repeat(30), note: 'n'.repeat(500) },
      });
      assert.equal(atLimit.status, 200, atLimit.text);

      const afterwards = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
      assert.deepEqual(afterwards.body, before.body);
    });

    it('needs write:accounts and a user', async () => {
      const readOnly = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
        token: await tokenWith(alice, 'read'),
        json: { display_name: 'Nope' },
      });
      assert.equal(readOnly.status, 403);
      assert.deepEqual(readOnly.body, { error: 'This action is outside the authorized scopes' });
      const app = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: appToken, json: { display_name: 'Nope' } });
      assert.equal(app.status, 422);
      const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
      assert.equal(me.body.display_name, '');
    });
  });

  describe('GET /api/v1/accounts/:id', () => {
    it('shows an account without a token', async () => {
      const shown = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.id, alice.accountId);
      assert.equal(shown.body.acct, 'alice');
      assert.equal(typeof shown.body.avatar, 'string');
      assert.equal(shown.body.suspended, undefined);
      const remote = await instance.request('GET', `/api/v1/accounts/${dave}`);
      assert.equal(remote.status, 200);
      assert.equal(remote.body.acct, 'dave@remote.example');
      assert.equal(remote.body.display_name, 'Dave');
    });

    it('404s unknown, malformed and unconfirmed accounts', async () => {
      for (const id of ['1', '12345', 'abc', '-1', '99999999999999999999', '1e3']) {
        const response = await instance.request('GET', `/api/v1/accounts/${id}`);
        assert.equal(response.status, 404, id);
        assert.deepEqual(response.body, { error: 'Record not found' });
      }
      const hidden = await instance.createUser('unconfirmed');
      await instance.ctx.db.update(users).set({ confirmedAt: null }).where(eq(users.id, hidden.userId));
      const response = await instance.request('GET', `/api/v1/accounts/${hidden.accountId}`);
      assert.equal(response.status, 404);
      const lookup = await instance.request('GET', '/api/v1/accounts/lookup?acct=unconfirmed');
      assert.equal(lookup.status, 404);
    });

    it('renders suspended accounts as suspended', async () => {
      const suspended = await instance.createUser('suspendee');
      await instance.ctx.db.update(accounts).set({ suspendedAt: new Date(), displayName: 'Secret' }).where(eq(accounts.id, suspended.accountId));
      const response = await instance.request('GET', `/api/v1/accounts/${suspended.accountId}`);
      assert.equal(response.status, 200);
      assert.equal(response.body.suspended, true);
      assert.equal(response.body.display_name, '');
    });

    it('checks the scopes of a token if one is given', async () => {
      const writeOnly = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`, { token: await tokenWith(alice, 'write') });
      assert.equal(writeOnly.status, 403);
      const withRead = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`, { token: alice.token });
      assert.equal(withRead.status, 200);
      // unknown tokens are ignored on public endpoints, as Doorkeeper does; revoked ones are refused
      const unknown = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`, { token: 'no-such-token' });
      assert.equal(unknown.status, 200);
      const revoked = await tokenWith(alice, 'read');
      await instance.ctx.db
        .update(oauthAccessTokens)
        .set({ revokedAt: new Date() })
        .where(eq(oauthAccessTokens.tokenDigest, digest(revoked)));
      const refused = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`, { token: revoked });
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body, { error: 'The access token was revoked' });
    });
  });

  describe('lookup', () => {
    it('finds local accounts by username, @username and username@domain', async () => {
      for (const acct of ['alice', '@alice', 'ALICE', 'alice@subspace.test', '@alice@SUBSPACE.test']) {
        const response = await instance.request('GET', `/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
        assert.equal(response.status, 200, acct);
        assert.equal(response.body.id, alice.accountId, acct);
      }
    });

    it('finds known remote accounts and 404s the rest', async () => {
      const remote = await instance.request('GET', '/api/v1/accounts/lookup?acct=dave@remote.example');
      assert.equal(remote.status, 200);
      assert.equal(remote.body.id, dave);
      for (const query of ['acct=nobody', 'acct=alice@elsewhere.example', 'acct=dave', 'acct=', '', 'acct=a@b@c']) {
        const response = await instance.request('GET', `/api/v1/accounts/lookup?${query}`);
        assert.equal(response.status, 404, query);
        assert.deepEqual(response.body, { error: 'Record not found' });
      }
    });
  });

  describe('relationships', () => {
    let frank: string;
    let gina: TestUser;

    before(async () => {
      const db = instance.ctx.db;
      gina = await instance.createUser('gina');
      frank = await remoteAccount('frank', 'suspended.example', { suspendedAt: new Date() });
      await db.insert(follows).values([
        { accountId: gina.accountId, targetAccountId: bob.accountId, showReblogs: false, notify: true, languages: ['en', 'de'] },
        { accountId: bob.accountId, targetAccountId: gina.accountId },
        { accountId: gina.accountId, targetAccountId: frank },
      ]);
      await db.insert(accountPins).values({ accountId: gina.accountId, targetAccountId: bob.accountId });
      await db.insert(accountNotes).values({ accountId: gina.accountId, targetAccountId: bob.accountId, comment: 'met at the conference' });
      await db.insert(blocks).values([
        { accountId: gina.accountId, targetAccountId: carol.accountId },
        { accountId: carol.accountId, targetAccountId: gina.accountId },
      ]);
      await db.insert(mutes).values([
        { accountId: gina.accountId, targetAccountId: carol.accountId, hideNotifications: false },
        { accountId: gina.accountId, targetAccountId: erin.accountId, expiresAt: new Date(Date.now() - 60_000) },
      ]);
      await db.insert(followRequests).values([
        { accountId: gina.accountId, targetAccountId: dave, notify: true },
        { accountId: erin.accountId, targetAccountId: gina.accountId },
      ]);
      await db.insert(accountDomainBlocks).values({ accountId: gina.accountId, domain: 'remote.example' });
    });

    it('computes every flag, in the order asked, for existing accounts only', async () => {
      const ids = [dave, bob.accountId, '999999', carol.accountId, erin.accountId, bob.accountId, alice.accountId, 'junk'];
      const query = ids.map((id) => `id[]=${id}`).join('&');
      const response = await instance.request('GET', `/api/v1/accounts/relationships?${query}`, { token: gina.token });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(
        response.body.map((r: { id: string }) => r.id),
        [dave, bob.accountId, carol.accountId, erin.accountId, alice.accountId],
      );
      const [toDave, toBob, toCarol, toErin, toAlice] = response.body;
      const none = {
        following: false,
        showing_reblogs: false,
        notifying: false,
        languages: null,
        followed_by: false,
        blocking: false,
        blocked_by: false,
        muting: false,
        muting_notifications: false,
        requested: false,
        requested_by: false,
        domain_blocking: false,
        endorsed: false,
        note: '',
      };
      assert.deepEqual(toBob, {
        ...none,
        id: bob.accountId,
        following: true,
        showing_reblogs: false,
        notifying: true,
        languages: ['en', 'de'],
        followed_by: true,
        endorsed: true,
        note: 'met at the conference',
      });
      assert.deepEqual(toCarol, { ...none, id: carol.accountId, blocking: true, blocked_by: true, muting: true, muting_notifications: false });
      assert.deepEqual(toErin, { ...none, id: erin.accountId, requested_by: true });
      assert.deepEqual(toDave, { ...none, id: dave, requested: true, showing_reblogs: true, notifying: true, domain_blocking: true });
      assert.deepEqual(toAlice, { ...none, id: alice.accountId });
    });

    it('takes a single id, and includes suspended accounts only when asked', async () => {
      const single = await instance.request('GET', `/api/v1/accounts/relationships?id=${bob.accountId}`, { token: gina.token });
      assert.equal(single.status, 200);
      assert.equal(single.body.length, 1);
      assert.equal(single.body[0].following, true);

      const without = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${frank}`, { token: gina.token });
      assert.deepEqual(without.body, []);
      const withSuspended = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${frank}&with_suspended=true`, { token: gina.token });
      assert.equal(withSuspended.body.length, 1);
      assert.equal(withSuspended.body[0].following, true);

      const nothing = await instance.request('GET', '/api/v1/accounts/relationships', { token: gina.token });
      assert.equal(nothing.status, 200);
      assert.deepEqual(nothing.body, []);
    });

    it('needs read:follows (or follow) and a user', async () => {
      const accountsOnly = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`, { token: await tokenWith(gina, 'read:accounts') });
      assert.equal(accountsOnly.status, 403);
      const follow = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`, { token: await tokenWith(gina, 'follow') });
      assert.equal(follow.status, 200);
      const app = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`, { token: appToken });
      assert.equal(app.status, 422);
      assert.deepEqual(app.body, { error: 'This method requires an authenticated user' });
    });
  });
});

describe('an account that moved', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  it('shows `moved` wherever it is rendered: its profile, its statuses, search, follower lists and its own credentials', async () => {
    const old = await instance.createUser('oldname');
    const fresh = await instance.createUser('newname');
    const fan = await instance.createUser('fan');
    assert.equal((await instance.request('POST', `/api/v1/accounts/${old.accountId}/follow`, { token: fan.token })).status, 200);
    const posted = await instance.request('POST', '/api/v1/statuses', { token: old.token, json: { status: 'before I moved' } });
    await instance.ctx.db.update(accounts).set({ movedToAccountId: fresh.accountId }).where(eq(accounts.id, old.accountId));
    // written here directly: the rendering the post cached is forgotten as the services forget it on a move
    await forgetAccounts(instance.ctx, [old.accountId]);

    const movedTo = (entity: { moved?: { id: string; moved?: unknown } }, where: string) => {
      assert.equal(entity.moved?.id, fresh.accountId, where);
      assert.equal(entity.moved?.moved, undefined, `${where}: not nested further`);
    };
    movedTo((await instance.request('GET', `/api/v1/accounts/${old.accountId}`)).body, 'the profile');
    movedTo((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`)).body.account, 'a status’s author');
    const found = await instance.request('GET', '/api/v2/search?q=oldname&type=accounts', { token: fan.token });
    movedTo(
      found.body.accounts.find((account: { id: string }) => account.id === old.accountId),
      'search',
    );
    const following = await instance.request('GET', `/api/v1/accounts/${fan.accountId}/following`, { token: fan.token });
    movedTo(following.body[0], 'a following list');
    movedTo((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: old.token })).body, 'its credentials');
    assert.equal((await instance.request('GET', `/api/v1/accounts/${fresh.accountId}`)).body.moved, undefined, 'the new account has not moved');
  });
});
