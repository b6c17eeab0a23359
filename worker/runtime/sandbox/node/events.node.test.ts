import NodeEmitter from 'node:events'
import { describe, expect, it } from 'vitest'
import { EventEmitter } from './events'

/** Runs the same script against Node's EventEmitter and ours, comparing the recorded log. */
function both(script: (E: any, log: unknown[]) => void): void {
  const theirs: unknown[] = []
  const ours: unknown[] = []
  script(NodeEmitter, theirs)
  script(EventEmitter, ours)
  expect(ours).toEqual(theirs)
}

describe('EventEmitter behaves like Node', () => {
  it('orders listeners, once, prepend and removal', () => {
    both((E, log) => {
      const e = new E()
      const a = () => log.push('a')
      e.on('x', a)
      e.once('x', () => log.push('once'))
      e.prependListener('x', () => log.push('first'))
      e.prependOnceListener('x', () => log.push('first-once'))
      log.push(e.emit('x'), e.listenerCount('x'))
      e.emit('x')
      e.off('x', a)
      log.push(e.listenerCount('x'), e.emit('nothing'), e.eventNames())
      e.removeAllListeners()
      log.push(e.eventNames(), e.listeners('x').length)
    })
  })

  it('passes arguments and this, and emits newListener/removeListener', () => {
    both((E, log) => {
      const e = new E()
      e.on('newListener', (name: string) => log.push(`new:${name}`))
      e.on('removeListener', (name: string) => log.push(`removed:${name}`))
      function listener(this: unknown, ...args: unknown[]) {
        log.push(this === e, args)
      }
      e.on('y', listener)
      e.emit('y', 1, 'two')
      e.removeListener('y', listener)
      const once = () => {}
      e.once('z', once)
      log.push(e.listeners('z')[0] === once, e.rawListeners('z')[0] === once)
    })
  })

  it('throws an error event nobody listens to', () => {
    both((E, log) => {
      const e = new E()
      const error = new Error('boom')
      try {
        e.emit('error', error)
      } catch (caught) {
        log.push(caught === error)
      }
      try {
        e.emit('error', 'text')
      } catch (caught) {
        log.push((caught as { code: string }).code, (caught as Error).message)
      }
    })
  })

  it('supports ES5-style subclasses and max listeners', () => {
    both((E, log) => {
      function Old(this: any) {
        E.call(this)
      }
      Object.setPrototypeOf(Old.prototype, E.prototype)
      const o = new (Old as any)()
      o.on('a', () => log.push('old'))
      o.emit('a')
      log.push(o.getMaxListeners(), o.setMaxListeners(1).getMaxListeners(), E.defaultMaxListeners)
      class Modern extends E {}
      const m = new Modern()
      m.once('b', (v: number) => log.push(v))
      m.emit('b', 5)
      m.emit('b', 6)
    })
  })

  it('EventEmitter.once resolves with the arguments and rejects on error', async () => {
    const e = new EventEmitter()
    const got = EventEmitter.once(e, 'ready')
    e.emit('ready', 1, 2)
    expect(await got).toEqual([1, 2])
    const failed = EventEmitter.once(e, 'ready')
    e.emit('error', new Error('nope'))
    await expect(failed).rejects.toThrow('nope')
    expect(e.listenerCount('error')).toBe(0)
  })

  it('EventEmitter.on iterates events', async () => {
    const e = new EventEmitter()
    const seen: unknown[] = []
    queueMicrotask(() => {
      e.emit('n', 1)
      e.emit('n', 2)
      e.emit('error', new Error('stop'))
    })
    await expect(
      (async () => {
        for await (const args of EventEmitter.on(e, 'n')) seen.push(args)
      })(),
    ).rejects.toThrow('stop')
    expect(seen).toEqual([[1], [2]])
  })
})
