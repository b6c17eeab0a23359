'use strict';
// Ported from visionmedia/bytes.js test/bytes.js, test/byte-format.js and test/byte-parse.js
// (mocha + should/chai) to plain node:assert checks, updated for bytes 3.x (upper-case units,
// parse() passing numbers through).
var assert = require('node:assert');
var bytes = require('..');
var harness = require('./harness');
var check = harness.check;

var pb = Math.pow(1024, 5);
var tb = (1 << 30) * 1024;
var gb = 1 << 30;
var mb = 1 << 20;
var kb = 1 << 10;

// bytes(value)
check('bytes(str) parses kb', function () {
  assert.strictEqual(bytes('1kb'), 1024);
});
check('bytes(str) parses mb', function () {
  assert.strictEqual(bytes('1mb'), 1024 * 1024);
});
check('bytes(str) parses gb', function () {
  assert.strictEqual(bytes('5gb'), 5 * 1024 * 1024 * 1024);
});
check('bytes(str) supports floats', function () {
  assert.strictEqual(bytes('1.5mb'), 1.5 * 1024 * 1024);
});
check('bytes(str) allows whitespace', function () {
  assert.strictEqual(bytes('1 mb'), 1024 * 1024);
});
check('bytes(str) is case-insensitive', function () {
  assert.strictEqual(bytes('1KB'), 1 << 10);
  assert.strictEqual(bytes('1Mb'), 1 << 20);
  assert.strictEqual(bytes('1GB'), 1 << 30);
});
check('bytes(number) formats', function () {
  assert.strictEqual(bytes(1024), '1KB');
  assert.strictEqual(bytes(1000, { thousandsSeparator: ',' }), '1,000B');
});
check('bytes(other) returns null', function () {
  assert.strictEqual(bytes(undefined), null);
  assert.strictEqual(bytes({}), null);
});

// bytes.format
check('format returns null if input invalid', function () {
  [undefined, null, true, false, NaN, Infinity, '', 'string', function () {}, {}].forEach(function (v) {
    assert.strictEqual(bytes.format(v), null);
  });
});
check('format converts numbers < 1024 to bytes string', function () {
  assert.strictEqual(bytes.format(0).toLowerCase(), '0b');
  assert.strictEqual(bytes.format(100).toLowerCase(), '100b');
  assert.strictEqual(bytes.format(-100).toLowerCase(), '-100b');
});
check('format converts numbers >= 1 024 to kb string', function () {
  assert.strictEqual(bytes.format(kb).toLowerCase(), '1kb');
  assert.strictEqual(bytes.format(-kb).toLowerCase(), '-1kb');
  assert.strictEqual(bytes.format(2 * kb).toLowerCase(), '2kb');
});
check('format converts numbers >= 1 048 576 to mb string', function () {
  assert.strictEqual(bytes.format(mb).toLowerCase(), '1mb');
  assert.strictEqual(bytes.format(-mb).toLowerCase(), '-1mb');
  assert.strictEqual(bytes.format(2 * mb).toLowerCase(), '2mb');
});
check('format converts numbers >= (1 << 30) to gb string', function () {
  assert.strictEqual(bytes.format(gb).toLowerCase(), '1gb');
  assert.strictEqual(bytes.format(-gb).toLowerCase(), '-1gb');
  assert.strictEqual(bytes.format(2 * gb).toLowerCase(), '2gb');
});
check('format converts numbers >= ((1 << 30) * 1024) to tb string', function () {
  assert.strictEqual(bytes.format(tb).toLowerCase(), '1tb');
  assert.strictEqual(bytes.format(-tb).toLowerCase(), '-1tb');
  assert.strictEqual(bytes.format(2 * tb).toLowerCase(), '2tb');
});
check('format converts numbers >= 1024^5 to pb string', function () {
  assert.strictEqual(bytes.format(pb).toLowerCase(), '1pb');
  assert.strictEqual(bytes.format(2 * pb).toLowerCase(), '2pb');
});
check('format returns standard case', function () {
  assert.strictEqual(bytes.format(10), '10B');
  assert.strictEqual(bytes.format(kb), '1KB');
  assert.strictEqual(bytes.format(mb), '1MB');
  assert.strictEqual(bytes.format(gb), '1GB');
  assert.strictEqual(bytes.format(tb), '1TB');
  assert.strictEqual(bytes.format(pb), '1PB');
});
check('format supports custom thousands separator', function () {
  assert.strictEqual(bytes.format(1000).toLowerCase(), '1000b');
  assert.strictEqual(bytes.format(1000, { thousandsSeparator: '' }).toLowerCase(), '1000b');
  assert.strictEqual(bytes.format(1000, { thousandsSeparator: null }).toLowerCase(), '1000b');
  assert.strictEqual(bytes.format(1000, { thousandsSeparator: '.' }).toLowerCase(), '1.000b');
  assert.strictEqual(bytes.format(1000, { thousandsSeparator: ',' }).toLowerCase(), '1,000b');
  assert.strictEqual(bytes.format(1000, { thousandsSeparator: ' ' }).toLowerCase(), '1 000b');
  assert.strictEqual(bytes.format(1005.1005 * kb, { decimalPlaces: 4, thousandsSeparator: '_' }).toLowerCase(), '1_005.1005kb');
});
check('format supports custom unit separator', function () {
  assert.strictEqual(bytes.format(1024), '1KB');
  assert.strictEqual(bytes.format(1024, { unitSeparator: '' }), '1KB');
  assert.strictEqual(bytes.format(1024, { unitSeparator: null }), '1KB');
  assert.strictEqual(bytes.format(1024, { unitSeparator: ' ' }), '1 KB');
  assert.strictEqual(bytes.format(1024, { unitSeparator: '\t' }), '1\tKB');
});
check('format supports custom number of decimal places', function () {
  assert.strictEqual(bytes.format(kb - 1, { decimalPlaces: 0 }).toLowerCase(), '1023b');
  assert.strictEqual(bytes.format(kb, { decimalPlaces: 0 }).toLowerCase(), '1kb');
  assert.strictEqual(bytes.format(1.4 * kb, { decimalPlaces: 0 }).toLowerCase(), '1kb');
  assert.strictEqual(bytes.format(1.5 * kb, { decimalPlaces: 0 }).toLowerCase(), '2kb');
  assert.strictEqual(bytes.format(kb - 1, { decimalPlaces: 1 }).toLowerCase(), '1023b');
  assert.strictEqual(bytes.format(kb, { decimalPlaces: 1 }).toLowerCase(), '1kb');
  assert.strictEqual(bytes.format(1.04 * kb, { decimalPlaces: 1 }).toLowerCase(), '1kb');
  assert.strictEqual(bytes.format(1.05 * kb, { decimalPlaces: 1 }).toLowerCase(), '1.1kb');
});
check('format supports fixed decimal places', function () {
  assert.strictEqual(bytes.format(kb, { decimalPlaces: 3, fixedDecimals: true }).toLowerCase(), '1.000kb');
});
check('format supports floats', function () {
  assert.strictEqual(bytes.format(1.2 * mb).toLowerCase(), '1.2mb');
  assert.strictEqual(bytes.format(-1.2 * mb).toLowerCase(), '-1.2mb');
  assert.strictEqual(bytes.format(1.2 * kb).toLowerCase(), '1.2kb');
});
check('format supports custom unit', function () {
  assert.strictEqual(bytes.format(12 * mb, { unit: 'b' }).toLowerCase(), '12582912b');
  assert.strictEqual(bytes.format(12 * mb, { unit: 'kb' }).toLowerCase(), '12288kb');
  assert.strictEqual(bytes.format(12 * gb, { unit: 'mb' }).toLowerCase(), '12288mb');
  assert.strictEqual(bytes.format(12 * tb, { unit: 'gb' }).toLowerCase(), '12288gb');
  assert.strictEqual(bytes.format(12 * mb, { unit: '' }).toLowerCase(), '12mb');
  assert.strictEqual(bytes.format(12 * mb, { unit: 'bb' }).toLowerCase(), '12mb');
});

// bytes.parse
function variants(value, units) {
  return [units.toLowerCase(), units.toUpperCase(), units.charAt(0).toUpperCase() + units.slice(1)]
    .map(function (u) { return String(value) + u; });
}
check('parse returns null if input invalid', function () {
  [undefined, null, true, false, NaN, function () {}, {}].forEach(function (v) {
    assert.strictEqual(bytes.parse(v), null);
  });
});
check('parse returns number if input is a number', function () {
  assert.strictEqual(bytes.parse(0), 0);
  assert.strictEqual(bytes.parse(-1), -1);
  assert.strictEqual(bytes.parse(1), 1);
  assert.strictEqual(bytes.parse(10.5), 10.5);
});
check('parse KB', function () {
  [1, 0.5, 1.5].forEach(function (n) {
    variants(n, 'kb').forEach(function (s) { assert.strictEqual(bytes.parse(s), n * kb); });
  });
});
check('parse MB', function () {
  variants(1, 'mb').forEach(function (s) { assert.strictEqual(bytes.parse(s), mb); });
});
check('parse GB', function () {
  variants(1, 'gb').forEach(function (s) { assert.strictEqual(bytes.parse(s), gb); });
});
check('parse TB', function () {
  [1, 0.5, 1.5].forEach(function (n) {
    variants(n, 'tb').forEach(function (s) { assert.strictEqual(bytes.parse(s), n * tb); });
  });
});
check('parse PB', function () {
  variants(1, 'pb').forEach(function (s) { assert.strictEqual(bytes.parse(s), pb); });
});
check('parse assumes bytes when no units', function () {
  assert.strictEqual(bytes.parse('0'), 0);
  assert.strictEqual(bytes.parse('-1'), -1);
  assert.strictEqual(bytes.parse('1024'), 1024);
  assert.strictEqual(bytes.parse('0x11'), 0);
});
check('parse accepts negative values', function () {
  assert.strictEqual(bytes.parse('-1'), -1);
  assert.strictEqual(bytes.parse('-1024'), -1024);
  assert.strictEqual(bytes.parse('-1.5TB'), -1.5 * tb);
});
check('parse drops partial bytes', function () {
  assert.strictEqual(bytes.parse('1.1b'), 1);
  assert.strictEqual(bytes.parse('1.0001kb'), 1024);
});
check('parse allows whitespace', function () {
  assert.strictEqual(bytes.parse('1 TB'), tb);
});

harness.report();
