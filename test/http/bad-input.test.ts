import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts, lists, statuses } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const PARSE_ERROR = { error: 'Error occurred while parsing request parameters' };

describe('bad input is refused with a 4xx and changes nothing', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const statusCount = async () => (await instance.ctx.db.select().from(statuses)).length;

  describe('a NUL byte anywhere in the parameters', () => {
    it('is a 400 for every text a status carries, in JSON, form and query bodies', async () => {
      const inputs: Record<string, unknown>[] = [
        { status: 'hello\u0000world' },
        { status: 'hello', spoiler_text: 'cw\u0000' },
        { status: 'hello', language: 'e\u0000n' },
        { status: 'hello', poll: { options: ['a\u0000', 'b'], expires_in: 600 } },
        { 'status\u0000': 'hello' },
      ];
      for (const json of inputs) {
        const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json });
        assert.equal(response.status, 400, JSON.stringify(json));
        assert.deepEqual(response.body, PARSE_ERROR);
      }
      const form = await instance.request('POST', '/api/v1/statuses', { token: alice.token, form: { status: 'a\u0000b' } });
      assert.equal(form.status, 400);
      const query = await instance.request('POST', '/api/v1/statuses?status=a%00b', { token: alice.token });
      assert.equal(query.status, 400);
      assert.equal(await statusCount(), 0);
    });

    it('is a 400 for profile texts, which stay as they were', async () => {
      for (const json of [
        { display_name: 'Alice\u0000' },
        { note: 'bio\u0000' },
        { fields_attributes: [{ name: 'site\u0000', value: 'x' }] },
        { fields_attributes: { 0: { name: 'site', value: 'x\u0000' } } },
      ]) {
        const response = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json });
        assert.equal(response.status, 400, JSON.stringify(json));
      }
      const [account] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, alice.accountId));
      assert.equal(account!.displayName, '');
      assert.equal(account!.note, '');
    });

    it('is a 400 in queries, paths, titles and lookups', async () => {
      const cases: [string, string, Record<string, unknown>?][] = [
        ['GET', '/api/v2/search?q=a%00b'],
        ['GET', '/api/v1/timelines/tag/a%00b'],
        ['GET', '/api/v1/tags/a%00b'],
        ['POST', '/api/v1/tags/a%00b/follow'],
        ['GET', '/api/v1/accounts/lookup?acct=alice%00'],
        ['GET', '/.well-known/webfinger?resource=acct:alice%00@subspace.test'],
        ['GET', '/api/v1/notifications?types[]=mention%00'],
        ['GET', '/api/v1/notifications?exclude_types[]=%00'],
        ['GET', '/api/v1/statuses/1%00'],
        ['GET', '/api/v1/accounts/1%002'],
        ['POST', '/api/v1/lists', { title: 'friends\u0000' }],
        ['POST', '/api/v2/filters', { title: 'f\u0000', context: ['home'] }],
        ['POST', '/api/v1/filters', { phrase: 'f\u0000', context: ['home'] }],
      ];
      for (const [method, path, json] of cases) {
        const response = await instance.request(method, path, { token: alice.token, json });
        assert.equal(response.status, 400, `${method} ${path}`);
        assert.deepEqual(response.body, PARSE_ERROR, `${method} ${path}`);
      }
      assert.equal((await instance.ctx.db.select().from(lists)).length, 0);
    });
  });

  it('JSON nested deeper than Rails reads (100 levels) is a 400', async () => {
    const deep = { status: 'deep', x: JSON.parse('['.repeat(150) + ']'.repeat(150)) };
    const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: deep });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, PARSE_ERROR);
    assert.equal(await statusCount(), 0);
  });

  describe('a list or hash where one value is expected', () => {
    it('visibility[]=direct is a 422, never a public post', async () => {
      const response = await instance.request('POST', '/api/v1/statuses', {
        token: alice.token,
        form: new URLSearchParams([
          ['status', 'secret'],
          ['visibility[]', 'direct'],
        ]),
      });
      assert.equal(response.status, 422);
      assert.match(response.body.error, /^Validation failed/);
      const hash = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'secret', visibility: { a: 'direct' } } });
      assert.equal(hash.status, 422);
      const sensitive = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'secret', sensitive: ['true'] } });
      assert.equal(sensitive.status, 422);
      assert.equal(await statusCount(), 0);
    });

    it('lists where lists are expected still work', async () => {
      const response = await instance.request('POST', '/api/v1/statuses', {
        token: alice.token,
        form: new URLSearchParams([
          ['status', 'poll'],
          ['visibility', 'direct'],
          ['poll[options][]', 'a'],
          ['poll[options][]', 'b'],
          ['poll[expires_in]', '600'],
        ]),
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.visibility, 'direct');
      assert.equal(response.body.poll.options.length, 2);
      const notifications = await instance.request('GET', '/api/v1/notifications?types[]=mention&types[]=follow', { token: alice.token });
      assert.equal(notifications.status, 200);
      await instance.ctx.db.delete(statuses);
    });
  });

  describe('malformed Basic client credentials', () => {
    for (const path of ['/oauth/token', '/oauth/revoke']) {
      it(`are a 401 invalid_client at ${path}`, async () => {
        for (const credentials of ['%zz:%', 'id:%E0%A4%A', '%00:%00', 'id\u0000:secret']) {
          const response = await instance.request('POST', path, {
            headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
            form: { grant_type: 'client_credentials', token: 'x' },
          });
          assert.equal(response.status, 401, credentials);
          assert.equal(response.body.error, 'invalid_client');
        }
      });
    }
  });

  describe('scheduled_at beyond what can be stored', () => {
    it('is a 422 when posting and when rescheduling', async () => {
      for (const at of ['+099999-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '10000-01-01T00:00:00Z']) {
        const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'later', scheduled_at: at } });
        assert.equal(response.status, 422, at);
      }
      const scheduled = await instance.request('POST', '/api/v1/statuses', {
        token: alice.token,
        json: { status: 'later', scheduled_at: new Date(Date.now() + 3_600_000).toISOString() },
      });
      assert.equal(scheduled.status, 200);
      const moved = await instance.request('PUT', `/api/v1/scheduled_statuses/${scheduled.body.id}`, { token: alice.token, json: { scheduled_at: '+099999-01-01T00:00:00Z' } });
      assert.equal(moved.status, 422);
      const shown = await instance.request('GET', `/api/v1/scheduled_statuses/${scheduled.body.id}`, { token: alice.token });
      assert.equal(shown.body.scheduled_at, scheduled.body.scheduled_at);
    });
  });

  describe('broken multipart bodies', () => {
    it('without a boundary, or cut short, are a 400', async () => {
      const post = (contentType: string, body: string) =>
        fetch(new URL('/api/v1/statuses', instance.url), { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': contentType }, body });
      const noBoundary = await post('multipart/form-data', '--x\r\nContent-Disposition: form-data; name="status"\r\n\r\nhi\r\n--x--\r\n');
      assert.equal(noBoundary.status, 400);
      assert.ok((await noBoundary.json()).error);
      const truncated = await post('multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="status"\r\n\r\nhi');
      assert.equal(truncated.status, 400);
      assert.ok((await truncated.json()).error);
      const fine = await post(
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="status"\r\n\r\nhi\r\n--x\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nprivate\r\n--x--\r\n',
      );
      assert.equal(fine.status, 200);
      assert.equal((await fine.json()).visibility, 'private');
      await instance.ctx.db.delete(statuses);
    });

    it('over what one form may hold are a 413, refused before anyone is authenticated', async () => {
      const multipart = (parts: [string, string | Blob][], path = '/api/v1/statuses', token?: string) => {
        const form = new FormData();
        for (const [name, value] of parts) form.append(name, value);
        return fetch(new URL(path, instance.url), { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
      };
      const small = () => new Blob([Buffer.alloc(10)], { type: 'image/png' });
      const threeFiles = await multipart([
        ['file', small()],
        ['thumbnail', small()],
        ['extra', small()],
      ]);
      assert.equal(threeFiles.status, 413);
      assert.ok((await threeFiles.json()).error);
      const hugeFile = await multipart([['file', new Blob([Buffer.alloc(33 * 1024 * 1024)], { type: 'image/png' })]]);
      assert.equal(hugeFile.status, 413);
      const longField = await multipart([['description', 'x'.repeat(300 * 1024)]]);
      assert.equal(longField.status, 413);
      // within the limits, the request goes on to be refused for want of a token
      const unauthenticated = await multipart([
        ['file', small()],
        ['thumbnail', small()],
      ]);
      assert.equal(unauthenticated.status, 401);
      // media uploads (files up to 100 MB) check the token before they read the body at all; with one, the same limits hold
      const stranger = await multipart([['file', new Blob([Buffer.alloc(33 * 1024 * 1024)], { type: 'image/png' })]], '/api/v1/media');
      assert.equal(stranger.status, 401);
      const tooMany = await multipart(
        [
          ['file', small()],
          ['thumbnail', small()],
          ['extra', small()],
        ],
        '/api/v2/media',
        alice.token,
      );
      assert.equal(tooMany.status, 413);
    });

    it('repeat a scalar as Rails does: the last one counts', async () => {
      const response = await instance.request('POST', '/api/v1/statuses?visibility=public&visibility=private', { token: alice.token, json: { status: 'twice' } });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.visibility, 'private');
      await instance.ctx.db.delete(statuses);
    });
  });
});
