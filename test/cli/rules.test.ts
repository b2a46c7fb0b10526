import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rulesCli } from '../../src/cli/commands/rules.ts';
import { settings } from '../../src/cli/commands/settings.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('subspace rules and settings privacy-policy', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  const rules = async () => (await instance.request('GET', '/api/v1/instance/rules')).body as { id: string; text: string; hint: string }[];

  it('adds, lists and removes the rules the API and the pages show, in priority order', async () => {
    assert.equal((await rulesCli(instance.ctx, ['list'])).stdout, 'No rules.\n');
    const spam = await rulesCli(instance.ctx, ['add', 'No spam', '--priority', '2']);
    assert.equal(spam.exitCode, 0, spam.stderr);
    const kind = await rulesCli(instance.ctx, ['add', 'Be kind', '--hint', 'To everyone.', '--priority', '1']);
    const kindId = /ID: (\d+)/.exec(kind.stdout)![1]!;
    assert.deepEqual(
      (await rules()).map((rule) => [rule.text, rule.hint]),
      [
        ['Be kind', 'To everyone.'],
        ['No spam', ''],
      ],
    );
    assert.match((await rulesCli(instance.ctx, ['list'])).stdout, new RegExp(`^${kindId}\\s+1\\. Be kind \\(To everyone\\.\\)\\n`));
    assert.equal((await rulesCli(instance.ctx, ['remove', kindId])).stdout, 'OK\n');
    assert.deepEqual(
      (await rules()).map((rule) => rule.text),
      ['No spam'],
    );
    const again = await rulesCli(instance.ctx, ['remove', kindId]);
    assert.equal(again.exitCode, 1);
    assert.equal(again.stderr, `subspace: no rule with id ${kindId}\n`);
    const blank = await rulesCli(instance.ctx, ['add', '  ']);
    assert.equal(blank.exitCode, 1);
    assert.match(blank.stderr, /Text can't be blank/);
  });

  it('sets the privacy policy from a Markdown file, and goes back to the default', async () => {
    const file = join(instance.dataDir, 'policy.md');
    writeFileSync(file, 'Nothing is kept on %{domain}.');
    assert.equal((await settings(instance.ctx, ['privacy-policy', file])).stdout, 'OK\n');
    const written = await instance.request('GET', '/api/v1/instance/privacy_policy');
    assert.equal(written.body.content, `<p>Nothing is kept on ${instance.config.localDomain}.</p>\n`);
    const missing = await settings(instance.ctx, ['privacy-policy', join(instance.dataDir, 'nope.md')]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /cannot read .*nope\.md: ENOENT/);
    assert.equal((await settings(instance.ctx, ['privacy-policy', '--default'])).stdout, 'OK\n');
    const standard = await instance.request('GET', '/api/v1/instance/privacy_policy');
    assert.doesNotMatch(standard.body.content, /Nothing is kept/);
  });
});
