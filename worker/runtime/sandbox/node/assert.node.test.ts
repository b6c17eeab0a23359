import nodeAssert from 'node:assert'
import { describe, expect, it } from 'vitest'
import { AssertionError, createAssertModule } from './assert'

const assert = createAssertModule()

function caught(fn: () => unknown): { message: string; operator?: string; code?: string; generatedMessage?: boolean; actual?: unknown; expected?: unknown; name?: string } {
  try {
    fn()
  } catch (error) {
    return error as never
  }
  throw new Error('did not throw')
}

type Call = (a: Record<string, any>) => unknown
const cases: Array<[string, Call]> = [
  ['strictEqual numbers', (a) => a.strictEqual(1, 2)],
  ['strictEqual mixed', (a) => a.strictEqual(1, '1')],
  ['strictEqual NaN', (a) => a.strictEqual(NaN, 1)],
  ['strictEqual same structure', (a) => a.strictEqual({ a: 1 }, { a: 1 })],
  ['strictEqual arrays', (a) => a.strictEqual([1], [2])],
  ['strictEqual strings', (a) => a.strictEqual('a\nb', 'a\nc')],
  ['strictEqual custom message', (a) => a.strictEqual(1, 2, 'custom')],
  ['deepStrictEqual custom message', (a) => a.deepStrictEqual({ a: 1 }, { a: 2 }, 'custom')],
  ['equal', (a) => a.equal(1, 2)],
  ['equal strings', (a) => a.equal('a', 'b')],
  ['notEqual', (a) => a.notEqual(1, 1)],
  ['notStrictEqual', (a) => a.notStrictEqual(1, 1)],
  ['deepStrictEqual objects', (a) => a.deepStrictEqual({ a: 1 }, { a: 2 })],
  ['deepStrictEqual arrays', (a) => a.deepStrictEqual([1, 2, 3], [1, 2, 4])],
  ['deepStrictEqual nested', (a) => a.deepStrictEqual({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })],
  ['deepStrictEqual primitives', (a) => a.deepStrictEqual(1, 2)],
  ['deepStrictEqual prototypes', (a) => a.deepStrictEqual(Object.create(null), {})],
  ['deepEqual', (a) => a.deepEqual({ a: 1 }, { a: 2 })],
  ['notDeepStrictEqual', (a) => a.notDeepStrictEqual({ a: 1 }, { a: 1 })],
  ['notDeepEqual', (a) => a.notDeepEqual({ a: 1 }, { a: 1 })],
  ['ok without value', (a) => a.ok()],
  ['ok with message', (a) => a.ok(false, 'm')],
  ['throws: no exception', (a) => a.throws(() => {})],
  ['throws: no exception of class', (a) => a.throws(() => {}, TypeError)],
  ['throws: no exception, message', (a) => a.throws(() => {}, 'msg')],
  ['throws: object mismatch', (a) => a.throws(() => { throw new Error('a') }, { message: 'b' })],
  ['throws: regexp mismatch', (a) => a.throws(() => { throw new Error('boom') }, /x/)],
  ['throws: validator false', (a) => a.throws(() => { throw new Error('boom') }, () => false)],
  ['throws: wrong class', (a) => a.throws(() => { throw new Error('boom') }, TypeError)],
  ['doesNotThrow', (a) => a.doesNotThrow(() => { throw new Error('x') })],
  ['match', (a) => a.match('xyz', /abc/)],
  ['doesNotMatch', (a) => a.doesNotMatch('xyz', /x/)],
  ['fail', (a) => a.fail()],
  ['fail message', (a) => a.fail('boom')],
  ['ifError', (a) => a.ifError(new Error('e'))],
  ['strict.equal', (a) => a.strict.equal(1, 2)],
  ['strict.deepEqual', (a) => a.strict.deepEqual([1], ['1'])],
]

describe('assert matches node:assert', () => {
  it.each(cases)('%s', (_name, call) => {
    const ours = caught(() => call(assert))
    const theirs = caught(() => call(nodeAssert as never))
    expect(ours).toBeInstanceOf(AssertionError)
    expect(ours.message.split('\n')[0]).toBe(theirs.message.split('\n')[0])
    expect(ours.code).toBe('ERR_ASSERTION')
    expect(ours.operator).toBe(theirs.operator)
    expect(ours.generatedMessage).toBe(theirs.generatedMessage)
    expect(ours.name).toBe('AssertionError')
  })

  it('gives the whole message for single-line values and small diffs', () => {
    for (const [, call] of cases.filter(([name]) => /strictEqual|deepStrictEqual|match|equal$|notStrictEqual|throws: (object|regexp|wrong)/.test(name))) {
      expect(caught(() => call(assert)).message).toBe(caught(() => call(nodeAssert as never)).message)
    }
  })

  it('passes where Node passes', () => {
    assert.deepStrictEqual({ a: [1, { b: new Map([[1, new Set([2])]]) }], d: new Date(5) }, { a: [1, { b: new Map([[1, new Set([2])]]) }], d: new Date(5) })
    assert.deepEqual({ a: 1 }, { a: '1' })
    assert.throws(() => { throw new TypeError('bad thing') }, TypeError)
    assert.throws(() => { throw new TypeError('bad thing') }, /bad/)
    assert.throws(() => { throw new TypeError('bad thing') }, { name: 'TypeError', message: /thing/ })
    assert.throws(() => { throw new Error('x') }, (e: unknown) => e instanceof Error)
    assert(true)
    assert.strict.equal(1, 1)
    expect(() => assert.strict.equal(1, '1')).toThrow(AssertionError)
    expect(() => assert.deepStrictEqual({ a: 1 }, { a: '1' })).toThrow(AssertionError)
  })

  it('keeps actual and expected, and rethrows an Error message', () => {
    const error = caught(() => assert.strictEqual(1, 2))
    expect([error.actual, error.expected]).toEqual([1, 2])
    const own = new RangeError('mine')
    expect(caught(() => assert.equal(1, 2, own))).toBe(own)
  })

  it('rejects and doesNotReject', async () => {
    await assert.rejects(Promise.reject(new Error('no')), /no/)
    await expect(assert.rejects(Promise.resolve())).rejects.toThrow('Missing expected rejection.')
    await expect(assert.doesNotReject(async () => { throw new Error('bad') })).rejects.toThrow('Got unwanted rejection.\nActual message: "bad"')
  })
})
