import { expect, it } from 'vitest'
import { createIdbService, openProjectDatabase } from './idb'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

// Two tabs on one project: each has its own worker, its own tree, the same IndexedDB database.
it('keeps both files when two tabs save into the same folder', async () => {
  const name = `two-writers-${Date.now()}`
  const first = await createIdbService(await openProjectDatabase(name), 'workspace')
  await first.mkdir('/src')
  const tabA = await createIdbService(await openProjectDatabase(name), 'workspace')
  const tabB = await createIdbService(await openProjectDatabase(name), 'workspace')
  await tabA.writeFile('/src/a.ts', new TextEncoder().encode('from tab A'))
  await tabB.writeFile('/src/b.ts', new TextEncoder().encode('from tab B'))
  const reloaded = await createIdbService(await openProjectDatabase(name), 'workspace')
  expect(await reloaded.readdir('/src')).toEqual(['a.ts', 'b.ts'])
  expect(text(await reloaded.readFile('/src/a.ts'))).toBe('from tab A')
  expect(text(await reloaded.readFile('/src/b.ts'))).toBe('from tab B')
})
