/** @module File services for the OANIX namespace: memory, IndexedDB, copy-on-write overlay, and the fs adapter git uses. */
export { Tree, type Entry, type TreeStore } from './tree'
export { createIdbService, createIdbStore, openProjectDatabase } from './idb'
export { createOverlay, type Overlay, type OverlayChange } from './overlay'
export { createFsAdapter, type FsAdapter } from './fs-adapter'
export { removeTree, copyTree, exists, writeFileDeep } from './ops'

import { Tree } from './tree'
import type { FileService } from '../../shared/namespace'

/** An empty file service held in memory only (lost with the worker). */
export function createMemoryService(): FileService {
  return Tree.memory()
}
