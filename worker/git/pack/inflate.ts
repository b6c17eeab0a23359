/**
 * zlib inflate of one pack entry at a time, over pako's low-level port: one z_stream reused for
 * every entry, output written straight into an array of the size the entry header announces, and
 * the end of each stream read back from the input cursor (entries carry no compressed length).
 */
import zlib from 'pako/lib/zlib/inflate.js'
import ZStream from 'pako/lib/zlib/zstream.js'
import { corruptPack } from './errors'

const Z_FINISH = 4
const Z_STREAM_END = 1
const Z_NEED_DICT = 2
const Z_BUF_ERROR = -5
const HEAD = 1 // pako's inflate mode "waiting for the zlib header"

/** The fields of pako 1.0.x's InflateState that its inflateReset sets. */
interface InflateState {
  wsize: number
  whave: number
  wnext: number
  total: number
  wrap: number
  mode: number
  last: number
  havedict: number
  dmax: number
  head: unknown
  hold: number
  bits: number
  lencode: Int32Array
  distcode: Int32Array
  lendyn: Int32Array
  distdyn: Int32Array
  sane: number
  back: number
}

/** A deflate stream expands at most ~1032:1: the most `compressed` bytes can inflate to. */
export function maxInflatedSize(compressed: number): number {
  return compressed * 1032 + 64
}

/** Inflates pack entries one after another; not reentrant. */
export class Inflater {
  readonly #strm = new ZStream()
  readonly #state: InflateState
  readonly #reuseTables: boolean
  /** Offset in the input just past the last stream `inflate` read. */
  end = 0

  constructor() {
    zlib.inflateInit2(this.#strm, 15)
    this.#state = this.#strm.state as InflateState
    const s = this.#state
    this.#reuseTables = s.mode === HEAD && s.lendyn instanceof Int32Array && s.distdyn instanceof Int32Array
  }

  /**
   * Inflates the zlib stream starting at `input[start]` (and not reaching past `limit`) into all
   * of `out`, and sets `end`. Throws when the stream is corrupt, ends early, or inflates to any
   * other size than `out.length`. `at` (the entry's offset) is only for messages.
   */
  inflate(input: Uint8Array, start: number, limit: number, out: Uint8Array, at: number): void {
    const size = out.length
    const strm = this.#strm
    this.#reset()
    strm.input = input
    strm.next_in = start
    strm.avail_in = limit - start
    strm.output = out
    strm.next_out = 0
    strm.avail_out = size
    const ret = zlib.inflate(strm, Z_FINISH)
    strm.input = strm.output = null
    if (ret === Z_STREAM_END) {
      if (strm.next_out !== size) throw corruptPack(`inflates to ${strm.next_out} bytes, its header says ${size}`, at)
      this.end = strm.next_in
      return
    }
    if (ret === Z_BUF_ERROR && strm.avail_out === 0 && strm.avail_in > 0) throw corruptPack(`inflates to more than the ${size} bytes its header says`, at)
    if (ret === Z_BUF_ERROR) throw corruptPack('has compressed data that ends early (truncated pack?)', at)
    if (ret === Z_NEED_DICT) throw corruptPack('wants a preset zlib dictionary', at)
    throw corruptPack(`has bad zlib data: ${strm.msg || `error ${ret}`}`, at)
  }

  // pako's inflateReset allocates fresh Huffman tables (~6 KB) for every stream, a third of the
  // time spent on a pack of small objects; zlib itself reuses them, and so does this.
  #reset(): void {
    if (!this.#reuseTables) {
      zlib.inflateReset(this.#strm)
      return
    }
    const strm = this.#strm
    const s = this.#state
    s.wsize = s.whave = s.wnext = 0
    strm.total_in = strm.total_out = s.total = 0
    strm.msg = ''
    if (s.wrap) strm.adler = s.wrap & 1
    s.mode = HEAD
    s.last = s.havedict = 0
    s.dmax = 32768
    s.head = null
    s.hold = s.bits = 0
    s.lencode = s.lendyn
    s.distcode = s.distdyn
    s.sane = 1
    s.back = -1
  }
}
