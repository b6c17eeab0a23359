// Ported from vercel/ms tests.js (mocha + expect.js) to node:test, CommonJS.
// Added: one skipped and two todo tests (see SOURCE.md).
'use strict';
const { describe, it, test } = require('node:test');
const assert = require('node:assert');
const ms = require('../index.js');

describe('ms(number, { long: true })', () => {
  it('should support milliseconds', () => {
    assert.strictEqual(ms(500, { long: true }), '500 ms');
    assert.strictEqual(ms(-500, { long: true }), '-500 ms');
  });
  it('should support seconds', () => {
    assert.strictEqual(ms(1000, { long: true }), '1 second');
    assert.strictEqual(ms(1200, { long: true }), '1 second');
    assert.strictEqual(ms(10000, { long: true }), '10 seconds');
    assert.strictEqual(ms(-1000, { long: true }), '-1 second');
    assert.strictEqual(ms(-10000, { long: true }), '-10 seconds');
  });
  it('should support minutes', () => {
    assert.strictEqual(ms(60 * 1000, { long: true }), '1 minute');
    assert.strictEqual(ms(60 * 10000, { long: true }), '10 minutes');
    assert.strictEqual(ms(-1 * 60 * 1000, { long: true }), '-1 minute');
  });
  it('should support hours', () => {
    assert.strictEqual(ms(60 * 60 * 1000, { long: true }), '1 hour');
    assert.strictEqual(ms(60 * 60 * 10000, { long: true }), '10 hours');
    assert.strictEqual(ms(-1 * 60 * 60 * 10000, { long: true }), '-10 hours');
  });
  it('should support days', () => {
    assert.strictEqual(ms(24 * 60 * 60 * 1000, { long: true }), '1 day');
    assert.strictEqual(ms(24 * 60 * 60 * 10000, { long: true }), '10 days');
    assert.strictEqual(ms(-1 * 24 * 60 * 60 * 1200, { long: true }), '-1 day');
  });
  it('should round', () => {
    assert.strictEqual(ms(234234234, { long: true }), '3 days');
    assert.strictEqual(ms(-234234234, { long: true }), '-3 days');
  });
  it('should format weeks and years', { skip: 'ms 2.1.3 formats at most in days' }, () => {
    assert.strictEqual(ms(7 * 24 * 60 * 60 * 1000, { long: true }), '1 week');
  });
});

describe('ms(number)', () => {
  it('should support milliseconds', () => {
    assert.strictEqual(ms(500), '500ms');
    assert.strictEqual(ms(-500), '-500ms');
  });
  it('should support seconds', () => {
    assert.strictEqual(ms(1000), '1s');
    assert.strictEqual(ms(-10000), '-10s');
  });
  it('should support minutes', () => {
    assert.strictEqual(ms(60 * 1000), '1m');
    assert.strictEqual(ms(-1 * 60 * 10000), '-10m');
  });
  it('should support hours', () => {
    assert.strictEqual(ms(60 * 60 * 1000), '1h');
    assert.strictEqual(ms(-1 * 60 * 60 * 10000), '-10h');
  });
  it('should support days', () => {
    assert.strictEqual(ms(24 * 60 * 60 * 1000), '1d');
    assert.strictEqual(ms(-1 * 24 * 60 * 60 * 10000), '-10d');
  });
  it('should round', () => {
    assert.strictEqual(ms(234234234), '3d');
    assert.strictEqual(ms(-234234234), '-3d');
  });
  it.skip('should format fractional units (not supported)', () => {
    assert.strictEqual(ms(1500), '1.5s');
  });
  it.todo('should support a localised long format');
});

test('ms(invalid inputs)', async (t) => {
  for (const [label, value] of [
    ['""', ''], ['undefined', undefined], ['null', null], ['[]', []],
    ['{}', {}], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ]) {
    await t.test(`should throw an error, when ms(${label})`, () => {
      assert.throws(() => ms(value), /val is not a non-empty string or a valid number/);
    });
  }
});

test('parses "1e3" as a number string (todo: upstream rejects exponent notation)', { todo: true }, () => {
  assert.strictEqual(ms('1e3'), 1000);
});
