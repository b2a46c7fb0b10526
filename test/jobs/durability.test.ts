import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { boot } from '../../src/roles/boot.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { prepareTestEnvironment, redisMode, request, type TestEnvironment } from '../helpers/instance.ts';
import { runSubspace, waitFor, waitForHealthy } from '../helpers/process.ts';
import { ownAddress, ownPort } from '../helpers/loopback.ts';

/** The .eml files the embedded (file) mailer wrote. */
function mails(dataDir: string): string[] {
  const dir = join(dataDir, 'mail');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.eml'))
        .map((name) => readFileSync(join(dir, name), 'utf8'))
    : [];
}

describe(`a job enqueued before its process is killed runs after restart (${redisMode ? 'BullMQ on Redis' : 'job table in the database'})`, () => {
  let environment: TestEnvironment;

  before(async () => {
    environment = await prepareTestEnvironment();
    const setup = await boot(loadConfig(environment.env), {}, { log: createLogger('error') });
    await updateSetting(setup.ctx, 'registrations_mode', 'open');
    await setup.close();
  });
  after(() => environment.cleanup());

  it('delivers the sign-up confirmation mail exactly once', async () => {
    const port = ownPort();
    const env = { ...environment.env, BIND: ownAddress(), PORT: String(port) };
    const url = `http://${ownAddress()}:${port}`;

    // A web-only process takes the sign-up and enqueues the mail, but runs no jobs itself.
    const web = runSubspace(['web'], env);
    await waitForHealthy(url, web);
    const app = await request(url, 'POST', '/api/v1/apps', { json: { client_name: 'Signup', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' } });
    const appToken = await request(url, 'POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'write' },
    });
    const signUp = await request(url, 'POST', '/api/v1/accounts', {
      token: appToken.body.access_token,
      json: { username: 'durable', email: 'durable@example.com', password: 'a long password', agreement: true, locale: 'en' },
    });
    assert.equal(signUp.status, 200, signUp.text);
    web.child.kill('SIGKILL');
    assert.equal(await web.exited, 'SIGKILL');
    assert.deepEqual(mails(environment.dataDir), [], 'no worker ran, so no mail yet');

    // A worker for the mailers queue, started afterwards, finds the job and sends the mail.
    const worker = runSubspace(['worker', '--queues', 'mailers', '--concurrency', '2'], env);
    try {
      const [mail] = await waitFor(
        'the confirmation mail',
        async () => {
          const found = mails(environment.dataDir);
          return found.length > 0 ? found : undefined;
        },
        30_000,
      );
      assert.match(mail!, /To: durable@example\.com/);
      assert.match(mail!, /confirmation_token=/);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    // a duplicate would have run by now, or would still be waiting in the queue
    const after = await boot(loadConfig(environment.env), {}, { log: createLogger('error') });
    try {
      assert.equal((await after.ctx.queue.counts()).mailers, 0, 'nothing left in the mailers queue');
    } finally {
      await after.close();
    }
    assert.equal(mails(environment.dataDir).length, 1, 'the job ran once');
  });
});
