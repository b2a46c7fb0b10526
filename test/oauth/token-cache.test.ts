import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { loadConfig } from '../../src/config/index.ts';
import { accounts, oauthApplications, users } from '../../src/db/schema.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot } from '../../src/roles/boot.ts';
import { redisMode, request, serverMode, startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * Token lookups are cached (no statement for a known token); whatever changes a token, its
 * application, its user or account takes effect on the very next request, in every process.
 */
describe('cached token lookups', () => {
  let instance: TestInstance;

  before(async () => {
    instance = await startInstance();
  });
  after(() => instance?.close());

  const credentials = (user: TestUser, baseUrl = instance.url) => request(baseUrl, 'GET', '/api/v1/accounts/verify_credentials', { token: user.token });
  const cli = async (...argv: string[]) => {
    const result = await runAdminCommand(instance.ctx, argv);
    assert.equal(result.exitCode, 0, JSON.stringify(result));
  };

  /** the token works, and its lookup is now cached */
  async function cached(user: TestUser, baseUrl = instance.url) {
    for (let i = 0; i < 2; i++) assert.equal((await credentials(user, baseUrl)).status, 200);
  }

  it('answers a known token without a statement (where every process shares the cache)', async () => {
    const user = await instance.createUser('quiet');
    const { watchQueries } = await import('../../src/db/query-log.ts');
    // a write by the instance's own background work between the two requests (any write to accounts
    // replaces the epoch) may cost one lookup again: the fewest lookups of three tries is what counts
    const lookups: number[] = [];
    for (let attempt = 0; attempt < 3 && !lookups.includes(0); attempt++) {
      await cached(user);
      const watch = watchQueries(instance.ctx.db);
      try {
        await request(instance.url, 'GET', '/api/v1/apps/verify_credentials', { token: user.token });
      } finally {
        watch.stop();
      }
      lookups.push(watch.queries.filter((query) => /oauth_access_tokens/.test(query)).length);
    }
    // PostgreSQL without Redis: each process would have a cache of its own, so none is used
    const uncached = serverMode && !redisMode;
    assert.equal(Math.min(...lookups), uncached ? 1 : 0, `lookups per try: ${lookups.join(', ')}`);
  });

  it('shows update_credentials in verify_credentials at once', async () => {
    const user = await instance.createUser('renamed');
    await cached(user);
    const updated = await request(instance.url, 'PATCH', '/api/v1/accounts/update_credentials', { token: user.token, json: { display_name: 'New Name', locked: true } });
    assert.equal(updated.status, 200, updated.text);
    const shown = (await credentials(user)).body;
    assert.equal(shown.display_name, 'New Name');
    assert.equal(shown.locked, true);
  });

  it('refuses the cached token of a suspended account at once, and takes it back when unsuspended', async () => {
    const user = await instance.createUser('suspended');
    await cached(user);
    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, user.accountId));
    assert.equal((await credentials(user)).status, 403);
    await instance.ctx.db.update(accounts).set({ suspendedAt: null }).where(eq(accounts.id, user.accountId));
    assert.equal((await credentials(user)).status, 200);
  });

  it('follows the CLI: disable, enable, unconfirmed, role changes, deletion', async () => {
    const user = await instance.createUser('managed', { scopes: 'read write admin:read' });
    await cached(user);
    await cli('accounts', 'modify', 'managed', '--disable');
    assert.deepEqual((await credentials(user)).body, { error: 'Your login is currently disabled' });
    await cli('accounts', 'modify', 'managed', '--enable');
    assert.equal((await credentials(user)).status, 200);

    await instance.ctx.db.update(users).set({ confirmedAt: null }).where(eq(users.id, user.userId));
    assert.equal((await credentials(user)).status, 403);
    await cli('accounts', 'modify', 'managed', '--confirm');
    const confirmed = await credentials(user);
    assert.equal(confirmed.status, 200, confirmed.text);

    const domainBlocks = () => request(instance.url, 'GET', '/api/v1/admin/domain_blocks', { token: user.token });
    assert.equal((await domainBlocks()).status, 403);
    await cli('accounts', 'modify', 'managed', '--role', 'Admin');
    assert.equal((await domainBlocks()).status, 200);
    await cli('accounts', 'modify', 'managed', '--remove-role');
    assert.equal((await domainBlocks()).status, 403);

    await cli('accounts', 'delete', 'managed');
    assert.notEqual((await credentials(user)).status, 200);
  });

  it('refuses a token revoked through /oauth/revoke, or whose application was deleted, at once', async () => {
    const created = await instance.request('POST', '/api/v1/apps', { form: { client_name: 'Bot', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' } });
    const app = created.body as { client_id: string; client_secret: string };
    const issue = async () => {
      const issued = await instance.request('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read' } });
      const token = issued.body.access_token as string;
      const verify = () => instance.request('GET', '/api/v1/apps/verify_credentials', { token });
      for (let i = 0; i < 2; i++) assert.equal((await verify()).status, 200);
      return { token, verify };
    };
    const revoked = await issue();
    assert.equal((await instance.request('POST', '/oauth/revoke', { form: { token: revoked.token, client_id: app.client_id, client_secret: app.client_secret } })).status, 200);
    assert.deepEqual((await revoked.verify()).body, { error: 'The access token was revoked' });

    const orphaned = await issue();
    await instance.ctx.db.delete(oauthApplications).where(eq(oauthApplications.uid, app.client_id));
    assert.equal((await orphaned.verify()).status, 401);
  });

  it('in server mode, a change made by another process takes effect here on the next request', {
    skip: serverMode ? false : 'several processes share a database in server mode only',
  }, async () => {
    const user = await instance.createUser('elsewhere');
    await cached(user);
    // a web process, and a process as the CLI boots it (no roles), each with its own connections
    const web = await boot(loadConfig(instance.env), { web: true }, { log: createLogger('error') });
    const cliProcess = await boot(loadConfig(instance.env), {}, { log: createLogger('error') });
    try {
      await cached(user, web.url!);
      const renamed = await request(web.url!, 'PATCH', '/api/v1/accounts/update_credentials', { token: user.token, json: { display_name: 'Renamed There' } });
      assert.equal(renamed.status, 200);
      assert.equal((await credentials(user)).body.display_name, 'Renamed There');

      assert.equal((await runAdminCommand(cliProcess.ctx, ['accounts', 'modify', 'elsewhere', '--disable'])).exitCode, 0);
      assert.equal((await credentials(user)).status, 403);
      assert.equal((await credentials(user, web.url!)).status, 403);
    } finally {
      await Promise.all([web.close(), cliProcess.close()]);
    }
  });
});
