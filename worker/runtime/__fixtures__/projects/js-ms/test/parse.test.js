// Ported from vercel/ms tests.js (mocha + expect.js) to node:test, CommonJS.
'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert');
const ms = require('..');

describe('ms(string)', () => {
  it('should not throw an error', () => {
    assert.doesNotThrow(() => ms('1m'));
  });
  it('should preserve ms', () => {
    assert.strictEqual(ms('100'), 100);
  });
  it('should convert from m to ms', () => {
    assert.strictEqual(ms('1m'), 60000);
  });
  it('should convert from h to ms', () => {
    assert.strictEqual(ms('1h'), 3600000);
  });
  it('should convert d to ms', () => {
    assert.strictEqual(ms('2d'), 172800000);
  });
  it('should convert w to ms', () => {
    assert.strictEqual(ms('3w'), 1814400000);
  });
  it('should convert s to ms', () => {
    assert.strictEqual(ms('1s'), 1000);
  });
  it('should convert ms to ms', () => {
    assert.strictEqual(ms('100ms'), 100);
  });
  it('should convert y to ms', () => {
    assert.strictEqual(ms('1y'), 31557600000);
  });
  it('should work with decimals', () => {
    assert.strictEqual(ms('1.5h'), 5400000);
  });
  it('should work with multiple spaces', () => {
    assert.strictEqual(ms('1   s'), 1000);
  });
  it('should return NaN if invalid', () => {
    assert.ok(isNaN(ms('☃')));
    assert.ok(isNaN(ms('10-.5')));
  });
  it('should be case-insensitive', () => {
    assert.strictEqual(ms('1.5H'), 5400000);
  });
  it('should work with numbers starting with .', () => {
    assert.strictEqual(ms('.5ms'), 0.5);
  });
  it('should work with negative integers', () => {
    assert.strictEqual(ms('-100ms'), -100);
  });
  it('should work with negative decimals', () => {
    assert.strictEqual(ms('-1.5h'), -5400000);
    assert.strictEqual(ms('-10.5h'), -37800000);
  });
  it('should work with negative decimals starting with "."', () => {
    assert.strictEqual(ms('-.5h'), -1800000);
  });
});

describe('ms(long string)', () => {
  it('should convert milliseconds to ms', () => {
    assert.strictEqual(ms('53 milliseconds'), 53);
  });
  it('should convert msecs to ms', () => {
    assert.strictEqual(ms('17 msecs'), 17);
  });
  it('should convert sec to ms', () => {
    assert.strictEqual(ms('1 sec'), 1000);
  });
  it('should convert from min to ms', () => {
    assert.strictEqual(ms('1 min'), 60000);
  });
  it('should convert from hr to ms', () => {
    assert.strictEqual(ms('1 hr'), 3600000);
  });
  it('should convert days to ms', () => {
    assert.strictEqual(ms('2 days'), 172800000);
  });
  it('should work with decimals', () => {
    assert.strictEqual(ms('1.5 hours'), 5400000);
  });
  it('should work with negative integers', () => {
    assert.strictEqual(ms('-100 milliseconds'), -100);
  });
  it('should work with negative decimals starting with "."', () => {
    assert.strictEqual(ms('-.5 hr'), -1800000);
  });
  it('should return undefined for strings over 100 characters', () => {
    assert.strictEqual(ms('1'.repeat(101) + 'ms'), undefined);
  });
});
