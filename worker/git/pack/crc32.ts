/** CRC-32 (IEEE 802.3, as zlib and git's pack .idx use it), synchronous. */

// Slicing-by-8: eight tables, where table k gives the CRC of a byte followed by k zero bytes, so
// eight input bytes take eight lookups and no serial dependency between them (~3× one table).
const TABLES = (() => {
  const t = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = t[(t[(k - 1) * 256 + n]! & 0xff)]! ^ (t[(k - 1) * 256 + n]! >>> 8)
  }
  return t
})()

/** CRC-32 of `data[start..end)`, as an unsigned 32-bit number. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES
  let crc = -1
  let i = start
  for (const stop = end - 8; i <= stop; i += 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!
  }
  for (; i < end; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
