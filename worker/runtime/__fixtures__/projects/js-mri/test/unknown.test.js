// Ported from lukeed/mri test/unknown.js (tape) to node:test, grouped with describe/it.
// mri 1.2.0 only knows flags listed in opts.alias, so the first two cases gained an alias.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fn from '../lib/index.js';

function collector() {
	const unknown = [];
	return { unknown, unknownFn: (arg) => (unknown.push(arg), false) };
}

describe('opts.unknown', () => {
	it('boolean is not unknown', () => {
		const { unknown, unknownFn } = collector();
		fn(['--herp'], { boolean: 'herp', alias: { herp: 'h' }, unknown: unknownFn });
		assert.deepEqual(unknown, []);
	});

	it('string is not unknown', () => {
		const { unknown, unknownFn } = collector();
		fn(['--herp', 'herp'], { string: 'herp', alias: { herp: 'h' }, unknown: unknownFn });
		assert.deepEqual(unknown, []);
	});

	it('default is not unknown', () => {
		const { unknown, unknownFn } = collector();
		fn(['--herp'], { default: { herp: false }, unknown: unknownFn });
		assert.deepEqual(unknown, []);
	});

	it('boolean and alias is not unknown', () => {
		const { unknown, unknownFn } = collector();
		const opts = { alias: { h: 'herp' }, boolean: 'h', unknown: unknownFn };
		fn(['-h', 'true', '--derp', 'true'], opts);
		fn(['--herp', 'true', '-d', 'true'], opts);
		assert.deepEqual(unknown, ['--derp', '-d']);
	});

	it('string and alias is not unknown', () => {
		const { unknown, unknownFn } = collector();
		const opts = { alias: { h: 'herp' }, string: 'h', unknown: unknownFn };
		fn(['-h', 'hello', '--derp', 'goodbye'], opts);
		fn(['--herp', 'hello', '-d', 'moon'], opts);
		assert.deepEqual(unknown, ['--derp', '-d']);
	});

	it('default and alias is not unknown', () => {
		const { unknown, unknownFn } = collector();
		const opts = { default: { h: 'bar' }, alias: { h: 'herp' }, unknown: unknownFn };
		fn(['-h', 'hello'], opts);
		fn(['--herp', 'hello'], opts);
		assert.deepEqual(unknown, []);
	});

	it('returns what the unknown handler returns', () => {
		const out = fn(['--nope'], { alias: { y: 'yes' }, unknown: (arg) => `bad:${arg}` });
		assert.equal(out, 'bad:--nope');
	});
});
