import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Announce, Create, Note, Question } from '@fedify/vocab';
import { withFederation } from '../../src/federation/federation.ts';
import { findLocalStatus, statusActivities } from '../../src/federation/statuses.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { BASE, PUBLIC } from '../helpers/constants.ts';

const AP = { accept: 'application/activity+json' };
const asArray = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe('statuses as ActivityPub objects', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  const followers = `${BASE}/users/alice/followers`;
  const bobUri = `${BASE}/users/bob`;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(() => instance.close());

  async function post(params: Record<string, unknown>, user = alice) {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json: params });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; uri: string; url: string };
  }
  const get = (uri: string, headers: Record<string, string> = AP) => instance.request('GET', new URL(uri).pathname, { headers });

  /** The Create of a status of any visibility, built as a sender would build it. */
  async function createActivityOf(id: string, username = 'alice') {
    return withFederation(instance.ctx, async (fctx) => {
      const found = await findLocalStatus(instance.ctx, `users/${username}`, id);
      const [activity] = await statusActivities(fctx, [found!]);
      return (await activity!.toJsonLd({ format: 'compact' })) as Record<string, any>;
    });
  }

  it('serves a public status as a Note addressed to the public, cc the followers and the mentioned', async () => {
    const status = await post({ status: 'Hello @bob #Fediverse', language: 'en' });
    const response = await get(status.uri);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^application\/activity\+json/);
    const json = response.body;
    assert.equal(json.type, 'Note');
    assert.equal(json.id, status.uri);
    assert.equal(json.url, status.url);
    assert.equal(json.attributedTo, `${BASE}/users/alice`);
    assert.deepEqual(asArray(json.to), [PUBLIC]);
    assert.deepEqual(asArray(json.cc), [followers, bobUri]);
    assert.equal(json.sensitive, false);
    assert.match(json.content, /Hello/);
    assert.deepEqual(json.contentMap, { en: json.content });
    assert.match(json.published, /^\d{4}-/);
    assert.equal(json.updated, undefined);
    assert.match(json.conversation, /^tag:subspace\.test,\d{4}-\d\d-\d\d:objectId=\d+:objectType=Conversation$/);
    assert.ok(json['@context'].some((entry: unknown) => typeof entry === 'object' && (entry as Record<string, string>).conversation === 'ostatus:conversation'));
    const tags = asArray(json.tag);
    assert.deepEqual(
      tags.find((tag: { type: string }) => tag.type === 'Mention'),
      { type: 'Mention', href: bobUri, name: '@bob' },
    );
    assert.deepEqual(
      tags.find((tag: { type: string }) => tag.type === 'Hashtag'),
      { type: 'Hashtag', href: `${BASE}/tags/fediverse`, name: '#Fediverse' },
    );
    assert.equal(json.replies.id, `${status.uri}/replies`);

    const note = await Note.fromJsonLd(json);
    assert.equal(note.id?.href, status.uri);
    assert.deepEqual(note.toIds.map(String), [PUBLIC]);
  });

  it('addresses unlisted to the followers, cc the public', async () => {
    const status = await post({ status: 'quiet @bob', visibility: 'unlisted' });
    const json = (await get(status.uri)).body;
    assert.deepEqual(asArray(json.to), [followers]);
    assert.deepEqual(asArray(json.cc), [PUBLIC, bobUri]);
  });

  it('does not serve private and direct statuses without a signature, and addresses them as Mastodon does', async () => {
    const priv = await post({ status: 'followers only @bob', visibility: 'private' });
    const direct = await post({ status: 'just you @bob', visibility: 'direct' });
    for (const status of [priv, direct]) {
      assert.equal((await get(status.uri)).status, 404);
      assert.equal((await get(`${status.uri}/activity`)).status, 404);
      assert.equal((await get(status.uri, { accept: 'text/html' })).status, 404);
    }
    const privCreate = await createActivityOf(priv.id);
    assert.deepEqual(asArray(privCreate.object.to), [followers]);
    assert.deepEqual(asArray(privCreate.object.cc), [bobUri]);
    const directCreate = await createActivityOf(direct.id);
    assert.deepEqual(asArray(directCreate.to), [bobUri]);
    assert.deepEqual(asArray(directCreate.object.to), [bobUri]);
    assert.deepEqual(asArray(directCreate.object.cc), []);
  });

  it('shows a content warning, a reply and an edit', async () => {
    const parent = await post({ status: 'a thread' });
    const reply = await post({ status: 'spoiled', spoiler_text: 'careful', in_reply_to_id: parent.id });
    const edit = await instance.request('PUT', `/api/v1/statuses/${reply.id}`, { token: alice.token, json: { status: 'spoiled, edited', spoiler_text: 'careful' } });
    assert.equal(edit.status, 200, edit.text);
    const json = (await get(reply.uri)).body;
    assert.equal(json.summary, 'careful');
    assert.equal(json.sensitive, true);
    assert.equal(json.inReplyTo, parent.uri);
    assert.match(json.updated, /^\d{4}-/);
    assert.match(json.content, /edited/);
    assert.equal(json.conversation, (await get(parent.uri)).body.conversation, 'the reply is in its parent’s conversation');

    const replies = await get(`${parent.uri}/replies`);
    assert.equal(replies.status, 200);
    assert.equal(replies.body.totalItems, 1);
    const page = await instance.request('GET', new URL(replies.body.first).pathname + new URL(replies.body.first).search, { headers: AP });
    assert.deepEqual(
      asArray(page.body.items).map((item: { id: string }) => item.id),
      [reply.uri],
    );
  });

  it('serves a poll as a Question', async () => {
    const single = await post({ status: 'pick one', poll: { options: ['red', 'blue'], expires_in: 3600 } });
    const json = (await get(single.uri)).body;
    assert.equal(json.type, 'Question');
    assert.deepEqual(
      json.oneOf.map((option: { type: string; name: string; replies: { totalItems: number } }) => [option.type, option.name, option.replies.totalItems]),
      [
        ['Note', 'red', 0],
        ['Note', 'blue', 0],
      ],
    );
    assert.match(json.endTime, /^\d{4}-/);
    assert.equal(json.votersCount, 0);
    assert.equal(json.closed, undefined);
    assert.ok((await Question.fromJsonLd(json)) instanceof Question);

    const multiple = await post({ status: 'pick any', poll: { options: ['a', 'b', 'c'], expires_in: 3600, multiple: true } });
    const any = (await get(multiple.uri)).body;
    assert.deepEqual(
      any.anyOf.map((option: { name: string }) => option.name),
      ['a', 'b', 'c'],
    );
    assert.equal(any.oneOf, undefined);
  });

  it('serves the Create at /activity, with the Note inside', async () => {
    const status = await post({ status: 'created' });
    const response = await get(`${status.uri}/activity`);
    assert.equal(response.status, 200);
    const json = response.body;
    assert.equal(json.type, 'Create');
    assert.equal(json.id, `${status.uri}/activity`);
    assert.equal(json.actor, `${BASE}/users/alice`);
    assert.deepEqual(asArray(json.to), [PUBLIC]);
    assert.deepEqual(asArray(json.cc), [followers]);
    assert.equal(json.object.id, status.uri);
    assert.equal(json.object.type, 'Note');
    assert.match(json.object.conversation, /^tag:/);
    const create = await Create.fromJsonLd(json);
    assert.equal(create.objectId?.href, status.uri);
  });

  it('serves a boost’s /activity as an Announce of the boosted status', async () => {
    const status = await post({ status: 'boost me' }, bob);
    const boost = await instance.request('POST', `/api/v1/statuses/${status.id}/reblog`, { token: alice.token });
    assert.equal(boost.status, 200, boost.text);
    const response = await get(boost.body.uri);
    assert.equal(response.status, 200, response.text);
    const json = response.body;
    assert.equal(json.type, 'Announce');
    assert.equal(json.actor, `${BASE}/users/alice`);
    assert.equal(json.object, status.uri);
    assert.deepEqual(asArray(json.to), [PUBLIC]);
    assert.deepEqual(asArray(json.cc), [bobUri, followers]);
    assert.ok((await Announce.fromJsonLd(json)) instanceof Announce);

    const html = await get(boost.body.uri, { accept: 'text/html' });
    assert.equal(html.status, 301);
    assert.equal(html.headers.get('location'), status.url, 'browsers go to the boosted post');
  });

  it('sends browsers to the status page', async () => {
    const status = await post({ status: 'for browsers' });
    for (const uri of [status.uri, `${status.uri}/activity`]) {
      const response = await get(uri, { accept: 'text/html' });
      assert.equal(response.status, 301);
      assert.equal(response.headers.get('location'), status.url);
    }
    const page = await instance.request('GET', new URL(status.url).pathname, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('for browsers'));
    assert.ok(page.text.includes(`href="${status.uri}"`));
  });

  it('answers 404 for statuses of another account, unknown ids and deleted statuses', async () => {
    const status = await post({ status: 'to delete' });
    assert.equal((await instance.request('GET', `/users/bob/statuses/${status.id}`, { headers: AP })).status, 404);
    assert.equal((await instance.request('GET', '/users/alice/statuses/12345', { headers: AP })).status, 404);
    assert.equal((await instance.request('GET', '/users/alice/statuses/nope', { headers: AP })).status, 404);
    await instance.request('DELETE', `/api/v1/statuses/${status.id}`, { token: alice.token });
    assert.equal((await get(status.uri)).status, 404);
  });
});
