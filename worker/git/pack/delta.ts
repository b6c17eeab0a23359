/** Git's delta format: base and result sizes, then copy-from-base and insert-literal instructions. */
import { corruptPack } from './errors'

/**
 * Applies `delta` to `base` and returns the new object's content, in an array from `alloc`
 * (asked for exactly the result size; every byte of it gets written). Throws a corrupt-pack error when
 * the delta's base size is not `base.length`, an instruction reaches outside the base or the
 * delta, or the output does not come to the announced size. `at` is only for messages.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, at: number, alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size)): Uint8Array {
  const n = delta.length
  let p = 0
  let baseSize = 0
  let resultSize = 0
  for (let shift = 0, c = 0x80; c & 0x80; shift += 7) {
    if (p >= n) throw corruptPack('is a delta cut short in its header', at)
    c = delta[p++]!
    baseSize += (c & 0x7f) * 2 ** shift
  }
  for (let shift = 0, c = 0x80; c & 0x80; shift += 7) {
    if (p >= n) throw corruptPack('is a delta cut short in its header', at)
    c = delta[p++]!
    resultSize += (c & 0x7f) * 2 ** shift
  }
  if (baseSize !== base.length) throw corruptPack(`is a delta against a ${baseSize}-byte base, but its base has ${base.length} bytes`, at)
  const out = alloc(resultSize)
  let o = 0
  while (p < n) {
    const c = delta[p++]!
    if (c & 0x80) {
      // Copy: bits 0-3 say which offset bytes follow, bits 4-6 which size bytes; size 0 means 64 KiB.
      let offset = 0
      let size = 0
      if (c & 0x01) offset = delta[p++]!
      if (c & 0x02) offset |= delta[p++]! << 8
      if (c & 0x04) offset |= delta[p++]! << 16
      if (c & 0x08) offset = (offset | (delta[p++]! << 24)) >>> 0
      if (c & 0x10) size = delta[p++]!
      if (c & 0x20) size |= delta[p++]! << 8
      if (c & 0x40) size |= delta[p++]! << 16
      if (size === 0) size = 0x10000
      if (p > n) throw corruptPack('is a delta cut short in a copy instruction', at)
      if (offset + size > base.length) throw corruptPack(`is a delta copying bytes ${offset}..${offset + size} of a ${base.length}-byte base`, at)
      if (o + size > resultSize) throw corruptPack(`is a delta that writes past its ${resultSize}-byte result`, at)
      if (size <= 32) for (let k = 0; k < size; k++) out[o + k] = base[offset + k]!
      else out.set(base.subarray(offset, offset + size), o)
      o += size
    } else if (c !== 0) {
      if (p + c > n) throw corruptPack('is a delta cut short in an insert instruction', at)
      if (o + c > resultSize) throw corruptPack(`is a delta that writes past its ${resultSize}-byte result`, at)
      for (let k = 0; k < c; k++) out[o + k] = delta[p + k]!
      p += c
      o += c
    } else {
      throw corruptPack('is a delta with the reserved instruction 0', at)
    }
  }
  if (o !== resultSize) throw corruptPack(`is a delta that makes ${o} bytes, its header says ${resultSize}`, at)
  return out
}
