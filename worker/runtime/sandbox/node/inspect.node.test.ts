import nodeUtil from 'node:util'
import { describe, expect, it } from 'vitest'
import { format, inspect } from './inspect'

class Foo {
  a = 1
  b = 'two'
}
class Empty {}
class Base {}
class Derived extends Base {}
function named() {}
const circular: Record<string, unknown> = { name: 'root' }
circular.self = circular
const nested = { a: { b: { c: { d: { e: 1 } } } } }
const sparse = [1, , 3] // eslint-disable-line no-sparse-arrays
const withProps = Object.assign([1, 2], { extra: true })
const nullProto = Object.assign(Object.create(null), { x: 1 })
const error = new Error('boom')
error.stack = 'Error: boom\n    at somewhere (file.js:1:1)'
const bare = new TypeError('bad')
bare.stack = undefined as never
const fnWithProps = Object.assign(function tagged() {}, { meta: 1 })

const values: Array<[string, unknown]> = [
  ['string', 'hello'],
  ['quote', "it's"],
  ['both quotes', `it's "x"`],
  ['escapes', 'a\nb\tc\u0001'],
  ['number', 42],
  ['-0', -0],
  ['NaN', NaN],
  ['bigint', 10n],
  ['bool', true],
  ['null', null],
  ['undefined', undefined],
  ['symbol', Symbol('s')],
  ['empty object', {}],
  ['object', { a: 1, 'b-c': 'x', [Symbol('k')]: 2 }],
  ['array', [1, 'two', [3, [4, [5, [6]]]]]],
  ['empty array', []],
  ['long array', Array.from({ length: 30 }, (_, i) => i * 7)],
  ['huge array', Array.from({ length: 120 }, (_, i) => i)],
  ['string array', ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']],
  ['sparse', sparse],
  ['array props', withProps],
  ['nested', nested],
  ['class', new Foo()],
  ['empty class', new Empty()],
  ['null proto', nullProto],
  ['map', new Map<unknown, unknown>([['a', 1], [{ k: 1 }, [2]]])],
  ['empty map', new Map()],
  ['set', new Set([1, 'x', { y: 2 }])],
  ['date', new Date(0)],
  ['invalid date', new Date(NaN)],
  ['regexp', /ab+c/gi],
  ['function', named],
  ['anonymous', (() => () => {})()],
  ['arrow', (x: number) => x],
  ['async', async function run() {}],
  ['generator', function* gen() {}],
  ['class ctor', Foo],
  ['derived ctor', Derived],
  ['fn props', fnWithProps],
  ['circular', circular],
  ['error', error],
  ['error without stack', bare],
  ['nested error', { e: error }],
  ['typed array', new Uint8Array([1, 2, 3])],
  ['array buffer', new Uint8Array([1, 2]).buffer],
  ['boxed', [new Number(3), new String('s'), new Boolean(false)]],
  ['wide object', { alpha: 'aaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbb', gamma: 'ccccccccccccccccc', delta: 'ddddddddddd' }],
  ['object of arrays', { list: [1, 2, 3], map: new Map([[1, { deep: { deeper: true } }]]) }],
  ['getter', Object.defineProperty({}, 'g', { get: () => 1, enumerable: true })],
  ['weakmap', new WeakMap()],
  ['custom', { [Symbol.for('nodejs.util.inspect.custom')]: () => 'CUSTOM' }],
  ['long string in object', { text: 'line one\nline two\nline three of a long text that goes past the break length' }],
  ['objects in array', [{ a: 1, b: 2 }, { a: 3, b: 4 }]],
]

// Subclasses, error naming, grouping and depth limits.
class MyMap extends Map<unknown, unknown> {}
class Tagged { get [Symbol.toStringTag]() { return 'Tg' } x = 1 }
const errWithProps = Object.assign(new Error('with props'), { code: 'E_X', extra: [1] })
errWithProps.stack = 'Error: with props\n    at f (x.js:1:1)'
const withCause = new Error('outer', { cause: new Error('inner') })
withCause.stack = 'Error: outer\n    at g (y.js:2:2)'
;(withCause.cause as Error).stack = 'Error: inner\n    at h (z.js:3:3)'
class CustomError extends Error {}
const ce = new CustomError('custom')
ce.stack = 'Error: custom\n    at q (q.js:1:1)'
const moreValues: unknown[] = [
  Array.from({ length: 10 }, (_, i) => ({ id: i, name: `item${i}` })),
  ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g', 'hh', 'iii', 'jjjj', 'kkkkk', 'llllll', 'm'],
  [-1, 2, -300, 4000, 5, 60, -7, 8, 9, 10],
  [1n, 2n, 3n, 4n, 5n, 6n, 7n],
  Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`key${i}`, i])),
  new MyMap([[1, 2]]),
  new Tagged(),
  errWithProps,
  withCause,
  ce,
  [[[[[1]]]]],
  { a: [[[{}]]] },
  new Set([{ a: 1 }, [1, 2]]),
  Object.assign([1, 2, 3, 4, 5, 6, 7, 8], { x: 1 }),
  { f() {}, g: class {}, h: Symbol.iterator },
  [undefined, null, NaN, -0, Infinity],
  { 'a b': 1, '0': 2, __proto__x: 3, $d: 4 },
  'x'.repeat(100),
  { long: 'y'.repeat(100) },
  new Array(5),
  [function () {}, () => {}],
  { a: { b: { c: {} } } },
  { a: { b: { c: [] } } },
  { nested: { m: new Map([[{ k: 1 }, new Set([1])]]) } },
  Object.create({ inherited: 1 }),
  new (class Foo extends Array {})(),
  [new Date(86400000), /x/y],
  Array.from({ length: 27 }, (_, i) => 'w'.repeat(i % 5)),
]

describe('inspect matches node:util.inspect', () => {
  it.each(moreValues.map((v, i) => [i, v]))('more value %i', (_i, value) => {
    expect(inspect(value)).toBe(nodeUtil.inspect(value))
  })
  it.each(values)('%s', (_name, value) => {
    expect(inspect(value)).toBe(nodeUtil.inspect(value))
  })
  it('honours depth, compact and breakLength', () => {
    for (const options of [{ depth: 0 }, { depth: null }, { compact: false }, { breakLength: 20 }, { sorted: true }, { maxArrayLength: 2 }]) {
      expect(inspect({ b: [1, 2, 3], a: nested }, options)).toBe(nodeUtil.inspect({ b: [1, 2, 3], a: nested }, options))
    }
  })
})

describe('format matches node:util.format', () => {
  const cases: unknown[][] = [
    ['%s:%s', 'a', 'b'],
    ['%s', 1.5],
    ['%s', -0],
    ['%s', 5n],
    ['%s', { a: { b: 1 } }],
    ['%s', [1, [2]]],
    ['%s', new Error('e')],
    ['%s', { toString: () => 'custom' }],
    ['%d %i %f', '42.5', '42.5', '42.5'],
    ['%d', 7n],
    ['%j', { a: [1] }],
    ['%j', circular],
    ['%o', [1]],
    ['%O', { a: 1 }],
    ['%c styled', 'color: red'],
    ['100%% sure %s', 'yes'],
    ['%s %s', 'only one'],
    ['no placeholders', 1, 'two', { three: 3 }],
    [1, 2, 'three'],
    [{ a: 1 }, 'x'],
    ['%x unknown', 1],
    ['%'],
    [],
  ]
  it.each(cases.map((c) => [JSON.stringify(c.map(String)), c] as const))('%s', (_label, args) => {
    expect(format(...args)).toBe(nodeUtil.format(...args))
  })
})
