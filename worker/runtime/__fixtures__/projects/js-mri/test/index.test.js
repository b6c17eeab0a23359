// Ported from lukeed/mri test/index.js (tape) to node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fn from '../lib/index.js';

test('parse args', () => {
	const res1 = fn(['--no-moo']);
	const res2 = fn(['-v', 'a', '-v', 'b', '-v', 'c']);
	assert.deepEqual(res1, { moo: false, _: [] }, 'no');
	assert.deepEqual(res2, { v: ['a', 'b', 'c'], _: [] }, 'multi');
});

test('comprehensive', () => {
	assert.deepEqual(
		fn([
			'--name=meowmers', 'bare', '-cats', 'woo', '-h', 'awesome',
			'--multi=quux', '--key', 'value', '-b', '--bool', '--no-meep',
			'--multi=baz', '--number=-123', '--zeronum=0', '--', '--not-a-flag', 'eek'
		]),
		{
			c: true, a: true, t: true, s: 'woo', h: 'awesome', b: true, bool: true,
			key: 'value', multi: ['quux', 'baz'], meep: false, name: 'meowmers',
			number: -123, zeronum: 0, _: ['bare', '--not-a-flag', 'eek']
		}
	);
});

test('flag boolean', () => {
	const res = fn(['-t', 'moo'], { boolean: 't' });
	assert.deepEqual(res, { t: true, _: ['moo'] });
	assert.equal(typeof res.t, 'boolean');
});

test('flag boolean value', () => {
	const res = fn(['--verbose', 'false', 'moo', '-t', 'true'], {
		boolean: ['t', 'verbose'],
		default: { verbose: true }
	});
	assert.deepEqual(res, { verbose: false, t: true, _: ['moo'] });
	assert.equal(typeof res.verbose, 'boolean');
	assert.equal(typeof res.t, 'boolean');
});

test('flag default value', () => {
	const res = fn(['--foo'], { default: { bar: true } });
	assert.deepEqual(res, { foo: true, bar: true, _: [] });
	assert.equal(typeof res.foo, 'boolean');
	assert.equal(typeof res.bar, 'boolean');
});

test('flag default and alias', () => {
	const res = fn(['--foo'], { default: { bar: true }, alias: { bar: 'b' } });
	assert.deepEqual(res, { foo: true, bar: true, b: true, _: [] });
	assert.equal(typeof res.b, 'boolean');
});

test('strings', () => {
	const s = fn(['-s', '0001234'], { string: 's' }).s;
	assert.equal(typeof s, 'string');
	assert.equal(s, '0001234');
	const x = fn(['-x', '56'], { string: 'x' }).x;
	assert.equal(typeof x, 'string');
	assert.equal(x, '56');
});

test('stringArgs', () => {
	const s = fn(['  ', '  '], { string: '_' })._;
	assert.equal(s.length, 2);
	assert.equal(s[0], '  ');
	assert.equal(s[1], '  ');
});

test('empty strings', () => {
	assert.equal(fn(['-s'], { string: 's' }).s, '');
	assert.equal(fn(['--str'], { string: 'str' }).str, '');
	const letters = fn(['-art'], { string: ['a', 't'] });
	assert.equal(letters.r, true);
	assert.equal(letters.a, '');
	assert.equal(letters.t, '');
});

test('string and alias', () => {
	const x = fn(['--str', '000123'], { string: 's', alias: { s: 'str' } });
	assert.equal(x.str, '000123');
	assert.equal(x.s, '000123');
	const y = fn(['-s', '000123'], { string: 'str', alias: { str: 's' } });
	assert.equal(y.str, '000123');
	assert.equal(y.s, '000123');
});

test('alias', () => {
	const argv = fn(['-f', '11', '--zoom', '55'], { alias: { z: 'zoom' } });
	assert.equal(argv.zoom, 55);
	assert.equal(argv.z, argv.zoom);
	assert.equal(argv.f, 11);
});

test('multiAlias', () => {
	const argv = fn(['-f', '11', '--zoom', '55'], { alias: { z: ['zm', 'zoom'] } });
	assert.equal(argv.zoom, 55);
	assert.equal(argv.z, argv.zoom);
	assert.equal(argv.z, argv.zm);
	assert.equal(argv.f, 11);
});

test('parse with modifier functions', () => {
	assert.deepEqual(fn(['-b', '123'], { boolean: 'b' }), { b: true, _: [123] });
});

test('flag default null value', () => {
	assert.deepEqual(fn(['--foo'], { default: { bar: null } }), { foo: true, bar: null, _: [] });
});

test('flag boolean with default', () => {
	assert.deepEqual(fn(['-t'], { default: { t: true } }), { t: true, _: [] });
	assert.deepEqual(fn(['-t'], { default: { t: false } }), { t: true, _: [] });
	assert.deepEqual(fn(['--no-two'], { default: { two: true } }), { two: false, _: [] });
});
