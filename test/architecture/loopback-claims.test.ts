import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimLoopbackAddress, ownAddress } from '../helpers/loopback.ts';
import { NODE } from '../helpers/process.ts';

const LOOPBACK = new URL('../helpers/loopback.ts', import.meta.url).href;
/** the address another test process claims, printed before it exits */
const claimedElsewhere = () => execFileSync(NODE, ['--input-type=module', '-e', `import { ownAddress } from '${LOOPBACK}'; console.log(ownAddress());`], { encoding: 'utf8' }).trim();

test('each test process gets loopback addresses no other running one holds', () => {
  const own = ownAddress();
  assert.match(own, /^127\.100\.\d+\.\d+$/);
  assert.equal(ownAddress(), own, 'one address for the whole file');
  const more = claimLoopbackAddress();
  assert.notEqual(more, own);
  const elsewhere = claimedElsewhere();
  assert.ok(![own, more].includes(elsewhere), `${elsewhere} was claimed twice`);
});

test('a process releases its claims when it exits', () => {
  const address = claimedElsewhere();
  assert.equal(existsSync(join(tmpdir(), 'subspace-test-loopback', address)), false, `${address} still claimed`);
  assert.ok(existsSync(join(tmpdir(), 'subspace-test-loopback', ownAddress())), 'this process holds its own');
});
