import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listEntries, listParam, textList } from '../../src/http/params.ts';
import { railsBoolean, text } from '../../src/lib/rails-params.ts';

describe('list params, as Rails reads them', () => {
  it('takes `x[]=a&x[]=b`, an indexed hash, a JSON array or a single value', () => {
    assert.deepEqual(listEntries(['a', 'b']), ['a', 'b']);
    assert.deepEqual(listEntries({ 0: 'a', 1: 'b' }), ['a', 'b']);
    assert.deepEqual(listEntries('a'), ['a']);
    assert.deepEqual(listEntries(undefined), []);
    assert.deepEqual(listEntries(null), []);
  });

  it('listParam keeps strings and numbers as text, leaving out blanks and nested values', () => {
    assert.deepEqual(listParam(['mention', '', 3, { a: 1 }, ['x'], null, true]), ['mention', '3']);
    assert.deepEqual(listParam({ 0: 'home', 1: 'notifications' }), ['home', 'notifications']);
    assert.deepEqual(listParam(''), []);
  });

  it('textList reads each entry as one value: blanks stay, a nested list or hash is a 422', () => {
    assert.deepEqual(textList(['1', 2, false, '']), ['1', '2', 'false', '']);
    assert.deepEqual(textList([null, 'a']), ['a']);
    assert.throws(
      () => textList([['nested']]),
      (error: { statusCode?: number }) => error.statusCode === 422,
    );
    assert.throws(
      () => textList([{ a: 1 }]),
      (error: { statusCode?: number }) => error.statusCode === 422,
    );
  });
});

describe('single params', () => {
  it('railsBoolean casts as ActiveModel does', () => {
    for (const value of ['0', 'f', 'false', 'off', 'FALSE', false, 0]) assert.equal(railsBoolean(value), false, String(value));
    for (const value of ['1', 't', 'true', 'on', 'yes', 'anything', true, 1]) assert.equal(railsBoolean(value), true, String(value));
    assert.equal(railsBoolean(''), null);
    assert.equal(railsBoolean(null), null);
    assert.equal(railsBoolean(undefined), undefined);
    assert.throws(() => railsBoolean(['true']));
  });

  it('text reads numbers and booleans as text and refuses a list', () => {
    assert.equal(text('a'), 'a');
    assert.equal(text(5), '5');
    assert.equal(text(null), undefined);
    assert.throws(() => text(['a']));
  });
});
