import { createNamespace } from '../../shared/namespace'
import { describeFileServiceContract } from './file-service.case'
import { createIdbService, openProjectDatabase } from './idb'
import { createOverlay } from './overlay'
import { Tree } from './tree'

// One contract, every backend. This file runs in Node (memory) and in Chromium (adds IndexedDB).
describeFileServiceContract('memory', async () => ({ service: Tree.memory() }))

describeFileServiceContract('overlay over memory', async () => {
  const lower = Tree.memory()
  return { service: await createOverlay({ lower, upper: Tree.memory() }) }
})

describeFileServiceContract('namespace over memory', async () => ({
  service: createNamespace([
    { path: '/', service: Tree.memory() },
    { path: '/elsewhere', service: Tree.memory() },
  ]),
}))

if (typeof indexedDB !== 'undefined') {
  let n = 0
  const fresh = () => `contract-${Date.now()}-${n++}`

  describeFileServiceContract('indexeddb', async () => {
    const name = fresh()
    const service = await createIdbService(await openProjectDatabase(name), 'workspace')
    return { service, reopen: async () => createIdbService(await openProjectDatabase(name), 'workspace') }
  })

  describeFileServiceContract('overlay over indexeddb', async () => {
    const name = fresh()
    const db = await openProjectDatabase(name)
    const lower = await createIdbService(db, 'workspace')
    const upper = await createIdbService(db, 'overlay')
    return {
      service: await createOverlay({ lower, upper }),
      reopen: async () => {
        const db2 = await openProjectDatabase(name)
        return createOverlay({ lower: await createIdbService(db2, 'workspace'), upper: await createIdbService(db2, 'overlay') })
      },
    }
  })

  describeFileServiceContract('namespace over indexeddb', async () => {
    const name = fresh()
    const make = async () => createNamespace([{ path: '/', service: await createIdbService(await openProjectDatabase(name), 'root') }, { path: '/tmp', service: Tree.memory() }])
    return { service: await make(), reopen: make }
  })
}
