import { deflate } from 'pako/lib/deflate.js'
import { indexPack } from './index-pack'
import { sha1 } from './sha1'

const encoder = new TextEncoder()

function objectHeader(type: number, size: number): number[] {
  const out = [(type << 4) | (size & 15) | (size > 15 ? 0x80 : 0)]
  for (let n = size >>> 4; n > 0; n >>>= 7) out.push((n & 127) | (n > 127 ? 0x80 : 0))
  return out
}

function varint(n: number): number[] {
  const out: number[] = []
  do {
    out.push((n & 127) | (n > 127 ? 0x80 : 0))
    n >>>= 7
  } while (n > 0)
  return out
}

/** git's OFS_DELTA distance encoding (each continuation adds one before shifting). */
function distance(n: number): number[] {
  const out = [n & 127]
  for (n >>>= 7; n > 0; n >>>= 7) {
    n -= 1
    out.unshift(0x80 | (n & 127))
  }
  return out
}

/** A delta of many small copies from `base` and inserts, the shape real edits give. */
function delta(baseSize: number, seed: number): Uint8Array {
  const ops: number[] = []
  let size = 0
  for (let k = 0, at = 0; at + 48 <= baseSize; k++, at += 40 + (k % 9)) {
    const len = 24 + ((seed + k) % 16)
    ops.push(0x80 | 0x01 | 0x02 | 0x10, at & 0xff, (at >>> 8) & 0xff, len)
    const insert = encoder.encode(`/*${(seed * 31 + k) % 997}*/`)
    ops.push(insert.length, ...insert)
    size += len + insert.length
  }
  return new Uint8Array([...varint(baseSize), ...varint(size), ...ops])
}

/** Bytes shaped like a git tree: modes, names and 20-byte ids. */
function treeLike(seed: number): Uint8Array {
  const out: number[] = []
  let x = seed * 2654435761
  for (let entry = 0; entry < 30; entry++) {
    out.push(...encoder.encode(`100644 file-${seed}-${entry}.ts`), 0)
    for (let b = 0; b < 20; b++) out.push((x = (x * 1103515245 + 12345) >>> 0) >>> 24)
  }
  return new Uint8Array(out)
}

/**
 * Indexes a small synthetic pack (blobs and deltas) so the JIT has compiled inflate, SHA-1 and
 * delta code before the user's first import. Run when the workspace worker starts.
 */
export async function warmUpPackIndexer(): Promise<void> {
  const parts: Uint8Array[] = []
  const objects = 1200
  const head = new Uint8Array(12)
  head.set(encoder.encode('PACK'))
  new DataView(head.buffer).setUint32(4, 2)
  new DataView(head.buffer).setUint32(8, objects)
  parts.push(head)
  let offset = 12
  let previous = { offset: 0, size: 0 }
  // Yields now and then, so the worker keeps answering the UI while it warms up.
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0))
  for (let i = 0; i < objects; i++) {
    if (i % 100 === 99) await pause()
    // Source-like text and, every third object, tree-like binary, so inflate meets both kinds.
    const text = i % 3 === 2 ? treeLike(i) : encoder.encode(`export function f${i}(x: number): number {\n${`  x = x * ${i} + ${i % 7} // warm up\n`.repeat(60 + (i % 40))}  return x\n}\n`)
    const isDelta = i % 2 === 1 && previous.size > 0
    const body = isDelta ? delta(previous.size, i) : text
    const header = isDelta ? [...objectHeader(6, body.length), ...distance(offset - previous.offset)] : objectHeader(3, body.length)
    const entry = new Uint8Array([...header, ...deflate(body)])
    if (!isDelta) previous = { offset, size: text.length }
    parts.push(entry)
    offset += entry.length
  }
  const pack = new Uint8Array(offset + 20)
  parts.reduce((at, p) => (pack.set(p, at), at + p.length), 0)
  pack.set(sha1(pack.subarray(0, offset)), offset)
  for (let round = 0; round < 3; round++) {
    await pause()
    await indexPack(pack)
  }
}
