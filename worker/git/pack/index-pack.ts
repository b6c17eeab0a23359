/**
 * The pack indexer: one pass over the pack inflating every entry and naming the whole objects,
 * then delta resolution from each base down to its dependants (as `git index-pack` does), then
 * the .idx. Everything stays in memory, inflated and resolved.
 */
import { Arena } from './arena'
import { crc32 } from './crc32'
import { applyDelta } from './delta'
import { corruptPack } from './errors'
import { writeIdx } from './idx'
import { Inflater, maxInflatedSize } from './inflate'
import { Sha1, toHex } from './sha1'

/** The four kinds of git object. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag'

/** A git object: its type and its content (without the `<type> <size>\0` header). */
export interface GitObject {
  type: ObjectType
  data: Uint8Array
}

/** Progress of `indexPack`, in objects; phase names are isomorphic-git's. */
export interface PackProgress {
  phase: 'Receiving objects' | 'Resolving deltas'
  loaded: number
  total: number
}

/** Options of `indexPack`. */
export interface IndexPackOptions {
  /** Called at most ~100 times a phase, with the phase's first and last counts included. */
  onProgress?: (progress: PackProgress) => void
  /** Checked every few milliseconds; aborting rejects with an Error named 'AbortError'. */
  signal?: AbortSignal
  /**
   * Looks up a delta base the pack refers to but does not hold (a thin pack's): synchronous,
   * `undefined` when unknown. Only asked about ids no object of the pack has.
   */
  externalBase?: (oid: string) => GitObject | undefined
}

/** A pack, indexed and fully inflated in memory. */
export interface IndexedPack {
  /** Hex of the pack's trailing checksum, verified against its content. */
  packSha: string
  /** Number of objects in the pack. */
  count: number
  /**
   * The pack's .idx (version 2), byte-identical to `git index-pack`'s. For a thin pack it
   * indexes the pack as received; the external bases are not in it.
   */
  idx: Uint8Array
  /** Ids of the pack's objects, sorted (a thin pack's external bases excluded). */
  oids: string[]
  /**
   * The object `oid` of the pack, from memory (no inflating, no delta to apply), its data a fresh
   * copy of its own; `undefined` when the pack has no such object.
   */
  read(oid: string): GitObject | undefined
  /** Whether the pack holds `oid`. */
  has(oid: string): boolean
}

const TYPE_NAMES = [undefined, 'commit', 'tree', 'blob', 'tag'] as const
const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 }
const TYPE_HEADERS = TYPE_NAMES.map((name) => new TextEncoder().encode(name === undefined ? '' : `${name} `))
const OFS_DELTA = 6
const REF_DELTA = 7
const RECEIVING = 'Receiving objects'
const RESOLVING = 'Resolving deltas'

/**
 * Parses, checks and indexes a whole pack (version 2 or 3) held in memory. Resolves to the
 * index and every object, inflated and with deltas applied; rejects with an AppError (code GIT)
 * naming the fault when the pack is corrupt — bad signature or version, checksum mismatch,
 * truncated entry, bad zlib data, size mismatch, malformed delta, a delta base that is neither in
 * the pack nor given by `externalBase` — and with an Error named 'AbortError' when `signal`
 * aborts. Never modifies `pack` and keeps no reference to it.
 */
export async function indexPack(pack: Uint8Array, options: IndexPackOptions = {}): Promise<IndexedPack> {
  const { onProgress, signal, externalBase } = options
  const pacer = createPacer(signal)
  try {
    pacer.check()
    const count = readPackHeader(pack)
    await verifyChecksum(pack)
    const packer = new PackIndexer(pack, count)

    const receiving = createProgress(onProgress, RECEIVING, count)
    for (let i = 0; i < count; i++) {
      packer.readEntry(i)
      receiving(i + 1)
      if (pacer.due()) await pacer.pause()
    }
    if (packer.end !== pack.length - 20) throw corruptPack(`${pack.length - 20 - packer.end} bytes of garbage follow the last object`)

    pacer.check()
    const resolving = createProgress(onProgress, RESOLVING, packer.deltas)
    packer.linkDeltas()
    for (const root of packer.roots()) {
      packer.resolveFrom(root)
      while (packer.resolveNext()) {
        resolving(packer.resolved)
        if (pacer.due()) await pacer.pause()
      }
    }
    for (const oid of packer.missingBases()) {
      const base = externalBase?.(oid)
      if (base === undefined) break
      packer.resolveFromExternal(oid, base)
      while (packer.resolveNext()) {
        resolving(packer.resolved)
        if (pacer.due()) await pacer.pause()
      }
    }
    if (packer.resolved < packer.deltas) {
      const missing = [...packer.missingBases()]
      const which = missing.length ? `base ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''} not found` : 'their bases never resolve'
      throw corruptPack(`${packer.deltas - packer.resolved} deltas cannot be resolved: ${which}`)
    }
    resolving(packer.deltas)
    pacer.check()
    return packer.finish()
  } finally {
    pacer.close()
  }
}

/** Checks signature and version; returns the object count. */
function readPackHeader(pack: Uint8Array): number {
  if (pack.length < 32) throw corruptPack(`${pack.length} bytes are too few for a pack`)
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength)
  if (view.getUint32(0) !== 0x5041434b) throw corruptPack('no PACK signature')
  const version = view.getUint32(4)
  if (version !== 2 && version !== 3) throw corruptPack(`unsupported pack version ${version}`)
  const count = view.getUint32(8)
  if (count > pack.length - 32) throw corruptPack(`${count} objects cannot fit in ${pack.length - 32} bytes`)
  return count
}

/** Checks the trailing SHA-1 against the rest of the pack. */
async function verifyChecksum(pack: Uint8Array): Promise<void> {
  const bodyEnd = pack.length - 20
  const body = pack.subarray(0, bodyEnd)
  // WebCrypto's native SHA-1 is several times faster than ours on a whole pack (and needs no
  // JIT warm-up); it is missing outside secure contexts and refuses shared memory.
  const subtle = globalThis.crypto?.subtle
  const actual =
    subtle !== undefined && body.buffer instanceof ArrayBuffer
      ? new Uint8Array(await subtle.digest('SHA-1', body as Uint8Array<ArrayBuffer>))
      : new Sha1().update(body).digest()
  for (let k = 0; k < 20; k++) {
    if (actual[k] !== pack[bodyEnd + k]) {
      throw corruptPack(`checksum mismatch: the trailer says ${toHex(pack, bodyEnd)}, the content hashes to ${toHex(actual)} (truncated or damaged in transit?)`)
    }
  }
}

/** Per-object state in typed arrays indexed by the entry's position in the pack. */
class PackIndexer {
  readonly #pack: Uint8Array
  readonly #bodyEnd: number
  readonly #count: number
  readonly #inflater = new Inflater()
  /** Objects' content; delta instructions go to their own arena, dropped once resolved. */
  readonly #objectArena = new Arena()
  readonly #deltaArena = new Arena()
  readonly #allocObject = (size: number) => this.#objectArena.alloc(size)
  readonly #sha = new Sha1()
  readonly #header = new Uint8Array(32)
  readonly #offsets: Float64Array
  /** Entry type as stored: 1–4 a whole object, 6 OFS_DELTA, 7 REF_DELTA. */
  readonly #kinds: Uint8Array
  /** Object type once known (1–4), 0 for a delta not yet resolved. */
  readonly #types: Uint8Array
  readonly #crcs: Uint32Array
  /** For an OFS_DELTA, the index of its base entry. */
  readonly #ofsBases: Int32Array
  /** Base id → indices of the REF_DELTAs on it, until that base is found. */
  readonly #refWaiting = new Map<string, number[]>()
  /** Content: inflated, and for a delta first its instructions, then the resolved object. */
  readonly #data: Uint8Array[]
  readonly #oids: Uint8Array
  /** OFS_DELTA children of each entry, as CSR: children of i are #children[#childStart[i] .. #childStart[i+1]). */
  #childStart = new Int32Array(0)
  #children = new Int32Array(0)
  readonly #stack: number[] = []
  /** Offset just past the last entry read. */
  end = 12
  /** Deltas seen, and resolved so far. */
  deltas = 0
  resolved = 0

  constructor(pack: Uint8Array, count: number) {
    this.#pack = pack
    this.#bodyEnd = pack.length - 20
    this.#count = count
    this.#offsets = new Float64Array(count)
    this.#kinds = new Uint8Array(count)
    this.#types = new Uint8Array(count)
    this.#crcs = new Uint32Array(count)
    this.#ofsBases = new Int32Array(count).fill(-1)
    this.#data = new Array<Uint8Array>(count)
    this.#oids = new Uint8Array(count * 20)
  }

  /** Reads entry `i`, which starts at `end`: header, delta base, inflated data, CRC; names whole objects. */
  readEntry(i: number): void {
    const pack = this.#pack
    const limit = this.#bodyEnd
    const at = this.end
    let p = at
    if (p >= limit) throw corruptPack(`the pack ends after ${i} of its ${this.#count} objects`)
    let c = pack[p++]!
    const kind = (c >> 4) & 7
    let size = c & 15
    for (let shift = 4; c & 0x80; shift += 7) {
      if (p >= limit) throw corruptPack('is cut short in its header', at)
      c = pack[p++]!
      size += (c & 0x7f) * 2 ** shift
    }
    if (kind === OFS_DELTA) {
      // Git's offset encoding: big-endian 7-bit groups, each continuation adding 1 before the shift.
      if (p >= limit) throw corruptPack('is cut short in its header', at)
      c = pack[p++]!
      let distance = c & 0x7f
      while (c & 0x80) {
        if (p >= limit) throw corruptPack('is cut short in its header', at)
        c = pack[p++]!
        distance = (distance + 1) * 128 + (c & 0x7f)
      }
      const base = this.#indexAt(at - distance, i)
      if (base < 0) throw corruptPack(`is a delta against offset ${at - distance}, where no object starts`, at)
      this.#ofsBases[i] = base
      this.deltas++
    } else if (kind === REF_DELTA) {
      if (p + 20 > limit) throw corruptPack('is cut short in its header', at)
      const base = toHex(pack, p)
      p += 20
      const waiting = this.#refWaiting.get(base)
      if (waiting) waiting.push(i)
      else this.#refWaiting.set(base, [i])
      this.deltas++
    } else if (kind < 1 || kind > 4) {
      throw corruptPack(`has the invalid type ${kind}`, at)
    }
    this.#offsets[i] = at
    this.#kinds[i] = kind
    // A larger claim is a corrupt header, not a reason to try allocating it.
    if (size > maxInflatedSize(limit - p)) throw corruptPack(`claims ${size} bytes, more than its compressed data can hold`, at)
    const out = kind <= 4 ? this.#objectArena.alloc(size) : this.#deltaArena.alloc(size)
    this.#inflater.inflate(pack, p, limit, out, at)
    this.#data[i] = out
    this.end = this.#inflater.end
    this.#crcs[i] = crc32(pack, at, this.end)
    if (kind <= 4) {
      this.#types[i] = kind
      this.#name(i)
    }
  }

  /** Builds the OFS_DELTA child lists; call once, after the last `readEntry`. */
  linkDeltas(): void {
    const n = this.#count
    const start = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) if (this.#ofsBases[i]! >= 0) start[this.#ofsBases[i]! + 1]!++
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!
    const fill = start.slice(0, n)
    const children = new Int32Array(start[n]!)
    for (let i = 0; i < n; i++) {
      const base = this.#ofsBases[i]!
      if (base >= 0) children[fill[base]!++] = i
    }
    this.#childStart = start
    this.#children = children
  }

  /** Indices of the whole (non-delta) objects: the roots delta resolution starts from. */
  *roots(): Generator<number> {
    for (let i = 0; i < this.#count; i++) if (this.#kinds[i]! <= 4) yield i
  }

  /** Ids of delta bases not (yet) found in the pack. */
  missingBases(): IterableIterator<string> {
    return this.#refWaiting.keys()
  }

  /** Queues the dependants of the resolved entry `i`; `resolveNext` then works through them. */
  resolveFrom(i: number): void {
    this.#stack.push(i)
  }

  /** Resolves the REF_DELTAs waiting on an object from outside the pack, and queues them. */
  resolveFromExternal(oid: string, base: GitObject): void {
    const waiting = this.#refWaiting.get(oid)
    this.#refWaiting.delete(oid)
    for (const child of waiting ?? []) this.#resolve(child, base.data, TYPE_CODES[base.type])
  }

  /**
   * Resolves every delta based on the next queued object and queues them in turn; false once
   * the queue is empty. Depth-first, so one object at a time is expanded whatever the chain depth.
   */
  resolveNext(): boolean {
    const i = this.#stack.pop()
    if (i === undefined) return false
    const base = this.#data[i]!
    const type = this.#types[i]!
    for (let k = this.#childStart[i]!, end = this.#childStart[i + 1]!; k < end; k++) this.#resolve(this.#children[k]!, base, type)
    if (this.#refWaiting.size > 0) {
      const hex = toHex(this.#oids, i * 20)
      const waiting = this.#refWaiting.get(hex)
      if (waiting) {
        this.#refWaiting.delete(hex)
        for (const child of waiting) this.#resolve(child, base, type)
      }
    }
    return true
  }

  /** The result: the .idx and the objects by id. Call once, after every delta is resolved. */
  finish(): IndexedPack {
    const n = this.#count
    const oids = this.#oids
    // Sort by the first four id bytes as a number, then by the rest.
    const keys = new Uint32Array(n)
    for (let i = 0; i < n; i++) keys[i] = ((oids[i * 20]! << 24) | (oids[i * 20 + 1]! << 16) | (oids[i * 20 + 2]! << 8) | oids[i * 20 + 3]!) >>> 0
    const order = new Int32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    order.sort((a, b) => keys[a]! - keys[b]! || compareOids(oids, a, b))
    const packSha = this.#pack.slice(this.#bodyEnd, this.#bodyEnd + 20)
    const idx = writeIdx({ order, oids, crcs: this.#crcs, offsets: this.#offsets, packSha })
    const sorted = Array.from(order, (i) => toHex(oids, i * 20))
    const types = this.#types
    const data = this.#data
    // Binary search over the sorted ids: as fast as a Map for a checkout's few thousand reads,
    // without hashing every id up front.
    const find = (oid: string): number => {
      let lo = 0
      let hi = n - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const v = sorted[mid]!
        if (v === oid) return order[mid]!
        if (v < oid) lo = mid + 1
        else hi = mid - 1
      }
      return -1
    }
    return {
      packSha: toHex(packSha),
      count: n,
      idx,
      oids: sorted.slice(),
      read(oid) {
        const i = find(oid)
        return i < 0 ? undefined : { type: TYPE_NAMES[types[i]!]!, data: data[i]!.slice() }
      },
      has: (oid) => find(oid) >= 0,
    }
  }

  #resolve(child: number, base: Uint8Array, type: number): void {
    this.#data[child] = applyDelta(base, this.#data[child]!, this.#offsets[child]!, this.#allocObject)
    this.#types[child] = type
    this.#name(child)
    this.resolved++
    this.#stack.push(child)
  }

  /** Hashes `<type> <size>\0<data>` of entry `i` into its id. */
  #name(i: number): void {
    const data = this.#data[i]!
    const prefix = TYPE_HEADERS[this.#types[i]!]!
    const header = this.#header
    header.set(prefix)
    let n = prefix.length
    const digits = String(data.length)
    for (let k = 0; k < digits.length; k++) header[n++] = digits.charCodeAt(k)
    header[n++] = 0
    this.#sha.update(header, 0, n).update(data).digestInto(this.#oids, i * 20)
  }

  /** Index of the entry at `offset` among the first `before` entries, or -1. */
  #indexAt(offset: number, before: number): number {
    const offsets = this.#offsets
    let lo = 0
    let hi = before - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = offsets[mid]!
      if (v === offset) return mid
      if (v < offset) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}

function compareOids(oids: Uint8Array, a: number, b: number): number {
  for (let k = 4; k < 20; k++) {
    const d = oids[a * 20 + k]! - oids[b * 20 + k]!
    if (d !== 0) return d
  }
  return 0
}

/** Calls `onProgress` at 0, then each time `loaded` has grown by 1% of `total`, and at `total`. */
function createProgress(onProgress: IndexPackOptions['onProgress'], phase: PackProgress['phase'], total: number) {
  const step = Math.max(1, Math.ceil(total / 100))
  let next = 0
  const report = (loaded: number) => {
    if (onProgress === undefined || loaded < next) return
    next = loaded >= total ? Infinity : Math.min(total, loaded + step)
    onProgress({ phase, loaded, total })
  }
  report(0)
  return report
}

/**
 * Decides when to give the event loop a turn (every few ms of work) and checks the signal then.
 * A MessageChannel round trip rather than setTimeout, whose nested calls are clamped to 4 ms.
 */
function createPacer(signal: AbortSignal | undefined) {
  const SLICE_MS = 8
  let last = performance.now()
  let calls = 0
  let channel: MessageChannel | undefined
  let wake: (() => void) | undefined
  const check = () => {
    if (signal?.aborted) {
      const error = new Error('indexing the pack was aborted', { cause: signal.reason })
      error.name = 'AbortError'
      throw error
    }
  }
  return {
    check,
    due: () => (++calls & 15) === 0 && performance.now() - last >= SLICE_MS,
    async pause() {
      if (typeof MessageChannel === 'function') {
        if (channel === undefined) {
          channel = new MessageChannel()
          channel.port1.onmessage = () => wake?.()
        }
        const port = channel.port2
        await new Promise<void>((resolve) => {
          wake = resolve
          port.postMessage(null)
        })
      } else {
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
      last = performance.now()
      check()
    },
    close() {
      channel?.port1.close()
      channel?.port2.close()
    },
  }
}
