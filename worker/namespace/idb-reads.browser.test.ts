import { describe, expect, it } from 'vitest'
import { createIdbService, openProjectDatabase } from '.'

// Many reads at once from one directory share one IndexedDB read, and never return content older
// than a write that finished before they began.
const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)

describe('reading small files from IndexedDB', () => {
  it('answers concurrent reads of one folder correctly, and reads after a write see the write', async () => {
    const name = `idb-reads-${Date.now()}`
    const writer = await createIdbService(await openProjectDatabase(name), 'workspace')
    await writer.mkdir('/d')
    await writer.batch(async () => {
      for (let i = 0; i < 200; i++) await writer.writeFile(`/d/f${i}.txt`, enc(`content ${i}`))
    })
    // A fresh opening: nothing cached, every read goes to IndexedDB.
    const fs = await createIdbService(await openProjectDatabase(name), 'workspace')
    const texts = await Promise.all(Array.from({ length: 200 }, (_, i) => fs.readFile(`/d/f${i}.txt`).then(dec)))
    expect(texts).toEqual(Array.from({ length: 200 }, (_, i) => `content ${i}`))

    const reopened = await createIdbService(await openProjectDatabase(name), 'workspace')
    // Start reads, change a file of the same folder while they are in flight, then read again.
    const early = Promise.all([0, 1, 2].map((i) => reopened.readFile(`/d/f${i}.txt`).then(dec)))
    await reopened.writeFile('/d/f1.txt', enc('changed'))
    const late = await Promise.all([0, 1, 2].map((i) => reopened.readFile(`/d/f${i}.txt`).then(dec)))
    expect(late).toEqual(['content 0', 'changed', 'content 2'])
    expect((await early)[0]).toBe('content 0')
  })
})
