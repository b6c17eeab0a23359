/** @module The OANIX namespace: file services mounted at path prefixes, longest prefix wins. */
export type { EntryType, Stat, FileService, Mount } from './types'
export { MODE, STANDARD_MOUNTS } from './types'
export { normalizePath, dirname, basename, joinPath, isWithin, relativeTo } from './path'
export type { Namespace, MountSpec } from './namespace'
export { createNamespace, mkdirp, walkFiles } from './namespace'
