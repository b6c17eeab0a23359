// The slice of pako 1.x's low-level zlib port the pack indexer drives directly (pako ships no
// types). Only inflate.ts may import these: they are pako internals, pinned by its exact version.

declare module 'pako/lib/zlib/zstream.js' {
  /** pako's z_stream: input and output are whole arrays plus cursors. */
  export default class ZStream {
    input: Uint8Array | null
    next_in: number
    avail_in: number
    total_in: number
    output: Uint8Array | null
    next_out: number
    avail_out: number
    total_out: number
    msg: string
    adler: number
    state: unknown
  }
}

declare module 'pako/lib/zlib/inflate.js' {
  import type ZStream from 'pako/lib/zlib/zstream.js'
  const zlibInflate: {
    inflateInit2(strm: ZStream, windowBits: number): number
    inflateReset(strm: ZStream): number
    inflate(strm: ZStream, flush: number): number
  }
  export default zlibInflate
}

declare module 'pako/lib/deflate.js' {
  /** zlib-wrapped deflate of `data`, as git stores objects. */
  export function deflate(data: Uint8Array): Uint8Array
}
