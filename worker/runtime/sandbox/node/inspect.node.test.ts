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

describe('inspect matches node:util.inspect', () => {
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
