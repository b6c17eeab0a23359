const { test, describe, it, beforeEach, afterEach, mock } = require('node:test')
const assert = require('node:assert')
const calls = []
beforeEach(() => calls.push('top-each'))
describe('mocks', () => {
  it('fn records calls', () => {
    const f = mock.fn((a) => a * 2)
    assert.strictEqual(f(2), 4)
    assert.strictEqual(f.mock.callCount(), 1)
    assert.deepStrictEqual(f.mock.calls[0].arguments, [2])
  })
  it('method', () => {
    const o = { m: () => 1 }
    mock.method(o, 'm', () => 2)
    assert.strictEqual(o.m(), 2)
    mock.restoreAll()
    assert.strictEqual(o.m(), 1)
  })
  it('once', () => {
    const f = mock.fn(() => 1)
    f.mock.mockImplementationOnce(() => 5)
    assert.deepStrictEqual([f(), f()], [5, 1])
  })
  it('fails', () => { assert.deepStrictEqual({ a: 1 }, { a: 2 }) })
})
test('hooks ran', () => { assert.ok(calls.length >= 4) })
test('async reject', async () => { await Promise.reject(new Error('nope')) })
test('nested', async (t) => {
  t.beforeEach(() => {})
  await t.test('a', async (t) => { await t.test('deep', () => {}) })
  await t.test('b', { skip: 'no' }, () => {})
  await t.test('c', { todo: true }, () => { throw new Error('todo') })
})
