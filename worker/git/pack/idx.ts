/** Writer of git's pack index, version 2 (`git index-pack`'s default, byte for byte). */
import { Sha1 } from './sha1'

/** What an .idx records about a pack's objects; per-object arrays are in pack order. */
export interface IdxInput {
  /** Object indices sorted by object id. */
  order: ArrayLike<number>
  /** Object ids, 20 bytes per object. */
  oids: Uint8Array
  /** CRC-32 of each object's entry as stored (header, delta base and compressed data). */
  crcs: ArrayLike<number>
  /** Offset of each object's entry in the pack. */
  offsets: ArrayLike<number>
  /** The pack's trailing checksum (20 bytes). */
  packSha: Uint8Array
}

const LARGE = 0x80000000

/**
 * Builds the .idx v2 file: magic, version, fan-out table, sorted ids, CRCs, 31-bit offsets (an
 * offset ≥ 2^31 is stored in the 64-bit table and flagged with the top bit), pack checksum, and
 * the SHA-1 of all that.
 */
export function writeIdx({ order, oids, crcs, offsets, packSha }: IdxInput): Uint8Array {
  const n = order.length
  let large = 0
  for (let k = 0; k < n; k++) if (offsets[order[k]!]! >= LARGE) large++
  const idx = new Uint8Array(8 + 256 * 4 + n * 28 + large * 8 + 40)
  const view = new DataView(idx.buffer)
  view.setUint32(0, 0xff744f63)
  view.setUint32(4, 2)
  const oidsAt = 8 + 256 * 4
  const crcsAt = oidsAt + n * 20
  const offsetsAt = crcsAt + n * 4
  const largeAt = offsetsAt + n * 4
  let nextLarge = 0
  for (let k = 0; k < n; k++) {
    const i = order[k]!
    idx.set(oids.subarray(i * 20, i * 20 + 20), oidsAt + k * 20)
    view.setUint32(crcsAt + k * 4, crcs[i]!)
    const offset = offsets[i]!
    if (offset < LARGE) {
      view.setUint32(offsetsAt + k * 4, offset)
    } else {
      view.setUint32(offsetsAt + k * 4, (LARGE | nextLarge) >>> 0)
      view.setUint32(largeAt + nextLarge * 8, Math.floor(offset / 0x100000000))
      view.setUint32(largeAt + nextLarge * 8 + 4, offset >>> 0)
      nextLarge++
    }
  }
  // fanout[b] = how many ids start with a byte ≤ b.
  for (let k = 0, b = 0; b < 256; b++) {
    while (k < n && idx[oidsAt + k * 20]! <= b) k++
    view.setUint32(8 + b * 4, k)
  }
  const trailerAt = largeAt + large * 8
  idx.set(packSha.subarray(0, 20), trailerAt)
  new Sha1().update(idx, 0, trailerAt + 20).digestInto(idx, trailerAt + 20)
  return idx
}
