/**
 * A bump allocator of byte arrays carved out of large shared buffers. V8 allocates a standalone
 * Uint8Array of a few KB an order of magnitude slower than a view into an existing buffer, and a
 * pack holds tens of thousands of objects.
 */

const FIRST_CHUNK = 64 * 1024
const MAX_CHUNK = 4 * 1024 * 1024

/** Hands out views into shared chunks; arrays of more than a quarter chunk get a buffer of their own. */
export class Arena {
  #chunk = new Uint8Array(0)
  #used = 0
  #nextChunk = FIRST_CHUNK

  /** A zero-filled array of `size` bytes; it shares its buffer with others, so never transfer it. */
  alloc(size: number): Uint8Array {
    if (size > this.#chunk.length - this.#used) {
      if (size * 4 > this.#nextChunk) return new Uint8Array(size)
      this.#chunk = new Uint8Array(this.#nextChunk)
      this.#used = 0
      this.#nextChunk = Math.min(this.#nextChunk * 2, MAX_CHUNK)
    }
    const view = this.#chunk.subarray(this.#used, this.#used + size)
    this.#used += size
    return view
  }
}
