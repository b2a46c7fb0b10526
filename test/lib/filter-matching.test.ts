import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilter, filterableText, findFilterMatches, hidesIn, type CustomFilterRow } from '../../src/lib/filter-matching.ts';

const filterRow = (overrides: Partial<CustomFilterRow> = {}): CustomFilterRow => ({
  id: '1',
  accountId: '10',
  title: 'veg',
  context: ['home'],
  action: 'warn',
  expiresAt: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...overrides,
});

describe('filter matching (pure)', () => {
  test('a whole-word keyword matches the word, not inside another word, whatever the case', () => {
    const filter = compileFilter(filterRow(), [{ keyword: 'Sprout', wholeWord: true }], []);
    assert.deepEqual(
      findFilterMatches([filter], '5', 'I like sprout soup').map((m) => m.keywordMatches),
      [['sprout']],
    );
    assert.deepEqual(findFilterMatches([filter], '5', 'sprouts everywhere'), []);
    const partial = compileFilter(filterRow(), [{ keyword: 'sprout', wholeWord: false }], []);
    assert.deepEqual(
      findFilterMatches([partial], '5', 'SPROUTS everywhere').map((m) => m.keywordMatches),
      [['SPROUT']],
    );
  });

  test('a status rule matches that status only; an expired filter matches nothing', () => {
    const filter = compileFilter(filterRow(), [], ['5']);
    assert.deepEqual(
      findFilterMatches([filter], '5', 'anything').map((m) => m.statusMatches),
      [['5']],
    );
    assert.deepEqual(findFilterMatches([filter], '6', 'anything'), []);
    const expired = compileFilter(filterRow({ expiresAt: new Date(1000) }), [], ['5']);
    assert.deepEqual(findFilterMatches([expired], '5', 'anything', 2000), []);
  });

  test('the text filtered is the warning, the content as plain text and the poll options', () => {
    const text = filterableText({ spoilerText: 'cw', content: '<p>one &amp; two</p><p>three<br>four</p>' }, ['yes', 'no']);
    assert.equal(text, 'cw\n\none & two\n\nthree\nfour\n\nyes\n\nno');
  });

  test('hidesIn: only a hide filter for that context', () => {
    const [match] = findFilterMatches([compileFilter(filterRow({ action: 'hide', context: ['home'] }), [{ keyword: 'x', wholeWord: false }], [])], '1', 'x');
    assert.equal(hidesIn([match!], 'home'), true);
    assert.equal(hidesIn([match!], 'public'), false);
    assert.equal(hidesIn([{ ...match!, filter: { ...match!.filter, action: 'warn' } }], 'home'), false);
  });
});
