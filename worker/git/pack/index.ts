/** @module Git packfiles in memory: index a received pack (checksums, .idx v2) and read its objects, deltas resolved. */
export { indexPack } from './index-pack'
export type { GitObject, IndexedPack, IndexPackOptions, ObjectType, PackProgress } from './index-pack'
export { warmUpPackIndexer } from './warm-up'
