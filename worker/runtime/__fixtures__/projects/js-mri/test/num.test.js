// Ported from lukeed/mri test/num.js (tape) to node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fn from '../lib/index.js';

test('nums', () => {
	const argv = fn(['-x', '1234', '-y', '5.67', '-z', '1e7', '-w', '10f', '--hex', '0xdeadbeef', '789']);
	assert.deepEqual(argv, { x: 1234, y: 5.67, z: 1e7, w: '10f', hex: 0xdeadbeef, _: ['789'] });
	assert.equal(typeof argv.x, 'number');
	assert.equal(typeof argv.w, 'string');
	assert.equal(typeof argv._[0], 'string');
});

test('already a number', () => {
	const argv = fn(['-x', 1234, 789]);
	assert.deepEqual(argv, { x: 1234, _: [789] });
	assert.equal(typeof argv._[0], 'number');
});
