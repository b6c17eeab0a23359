import { describe, expect, it } from 'vitest'
import { Duplex, PassThrough, Readable, Transform, Writable, finished, pipeline, streamPromises } from './stream'

const R = Readable as any
const W = Writable as any
const T = Transform as any

function sink(chunks: string[]) {
  return new W({
    write(chunk: Uint8Array, _e: string, cb: () => void) {
      chunks.push(String(chunk))
      cb()
    },
  })
}

describe('stream', () => {
  it('reads pushed data in flowing mode and ends', async () => {
    const source = new R({ read() {} })
    const seen: string[] = []
    source.on('data', (c: Uint8Array) => seen.push(String(c)))
    const ended = new Promise((resolve) => source.on('end', resolve))
    source.push('a')
    source.push('b')
    source.push(null)
    await ended
    expect(seen).toEqual(['a', 'b'])
  })

  it('pipes through a Transform with back-pressure into a Writable', async () => {
    const chunks: string[] = []
    const upper = new T({
      transform(chunk: Uint8Array, _e: string, cb: (e: null, d: string) => void) {
        cb(null, String(chunk).toUpperCase())
      },
      flush(cb: (e: null, d: string) => void) {
        cb(null, '!')
      },
    })
    await streamPromises.pipeline(R.from(['a', 'b', 'c']), upper, sink(chunks))
    expect(chunks.join('')).toBe('ABC!')
  })

  it('pipeline reports the first error and destroys the others', async () => {
    const failing = new R({
      read(this: any) {
        this.destroy(new Error('source failed'))
      },
    })
    const out = new (PassThrough as any)()
    const error = await new Promise<Error | null>((resolve) => pipeline(failing, out, resolve))
    expect(error?.message).toBe('source failed')
    expect(out.destroyed).toBe(true)
  })

  it('pipeline accepts async generator stages', async () => {
    const chunks: string[] = []
    await streamPromises.pipeline(
      R.from(['x', 'y']),
      async function* (source: AsyncIterable<string>) {
        for await (const s of source) yield `${s}${s}`
      },
      sink(chunks),
    )
    expect(chunks).toEqual(['xx', 'yy'])
  })

  it('iterates with for await and collects with toArray', async () => {
    const out: unknown[] = []
    for await (const item of R.from([1, 2, 3])) out.push(item)
    expect(out).toEqual([1, 2, 3])
    expect(await R.from(['p', 'q']).toArray()).toEqual(['p', 'q'])
  })

  it('Writable calls back, emits drain and finish, refuses writes after end', async () => {
    const chunks: string[] = []
    const w = new W({
      highWaterMark: 2,
      write(chunk: Uint8Array, _e: string, cb: () => void) {
        chunks.push(String(chunk))
        setTimeout(cb, 1)
      },
    })
    expect(w.write('abc')).toBe(false)
    await new Promise((resolve) => w.once('drain', resolve))
    const done = new Promise((resolve) => finished(w, resolve))
    w.end('d')
    expect(await done).toBeNull()
    expect(chunks).toEqual(['abc', 'd'])
    const error = await new Promise<Error>((resolve) => {
      w.on('error', () => {})
      w.write('late', resolve)
    })
    expect((error as { code?: string }).code).toBe('ERR_STREAM_WRITE_AFTER_END')
  })

  it('supports ES5-style subclasses and Duplex', async () => {
    function Counter(this: any) {
      R.call(this, { objectMode: true })
      this.n = 0
    }
    Object.setPrototypeOf(Counter.prototype, R.prototype)
    Counter.prototype._read = function () {
      this.push(this.n < 3 ? this.n++ : null)
    }
    expect(await new (Counter as any)().toArray()).toEqual([0, 1, 2])
    const d = new (Duplex as any)({ read() {}, write(c: Uint8Array, _e: string, cb: () => void) { d.push(c); cb() }, final(cb: () => void) { d.push(null); cb() } })
    d.end('echo')
    expect(String(Buffer.concat(await d.toArray()))).toBe('echo')
    expect(d instanceof Writable).toBe(true)
  })

  it('supports class subclasses and once("data")', async () => {
    class Source extends (Readable as any) {
      items = ['a', 'b']
      _read() {
        this.push(this.items.shift() ?? null)
      }
    }
    class Upper extends (Transform as any) {
      _transform(chunk: Uint8Array, _e: string, cb: (e: null, d: string) => void) {
        cb(null, String(chunk).toUpperCase())
      }
    }
    const collected: string[] = []
    class Collect extends (Writable as any) {
      _write(chunk: Uint8Array, _e: string, cb: () => void) {
        collected.push(String(chunk))
        cb()
      }
    }
    await streamPromises.pipeline(new Source(), new Upper(), new Collect())
    expect(collected).toEqual(['A', 'B'])
    const first = await new Promise((resolve) => new Source().once('data', (c: Uint8Array) => resolve(String(c))))
    expect(first).toBe('a')
  })

  it('setEncoding yields strings without splitting characters', async () => {
    const source = new R({ read() {} })
    source.setEncoding('utf8')
    const bytes = Buffer.from('héllo')
    source.push(bytes.subarray(0, 2))
    source.push(bytes.subarray(2))
    source.push(null)
    expect((await source.toArray()).join('')).toBe('héllo')
  })
})
