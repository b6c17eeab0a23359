/**
 * SHA-1 in plain TypeScript: synchronous, streaming, no allocation per hash. Git names objects
 * with it, so the pack indexer hashes every object and the whole pack with this.
 */

/** A reusable SHA-1 state: `update` any number of byte ranges, then `digestInto`, then reuse. */
export class Sha1 {
  readonly #h = new Int32Array(5)
  readonly #block = new Uint8Array(64)
  #used = 0
  #length = 0

  constructor() {
    this.reset()
  }

  /** Forgets everything hashed so far. */
  reset(): this {
    const h = this.#h
    h[0] = 0x67452301
    h[1] = 0xefcdab89 | 0
    h[2] = 0x98badcfe | 0
    h[3] = 0x10325476
    h[4] = 0xc3d2e1f0 | 0
    this.#used = 0
    this.#length = 0
    return this
  }

  /** Hashes `data[start..end)`; never keeps a reference to `data`. */
  update(data: Uint8Array, start = 0, end = data.length): this {
    let pos = start
    this.#length += end - start
    const block = this.#block
    // Byte loops rather than set(subarray()): a subarray of a small on-heap array would force V8
    // to move it off the heap.
    if (this.#used > 0) {
      let used = this.#used
      while (used < 64 && pos < end) block[used++] = data[pos++]!
      this.#used = used
      if (used < 64) return this
      compress(this.#h, block, 0)
      this.#used = 0
    }
    const h = this.#h
    for (const full = pos + ((end - pos) & ~63); pos < full; pos += 64) compress(h, data, pos)
    let used = 0
    while (pos < end) block[used++] = data[pos++]!
    this.#used = used
    return this
  }

  /** Writes the 20-byte digest of everything hashed since the last reset to `out[offset..]`, then resets. */
  digestInto(out: Uint8Array, offset = 0): void {
    const block = this.#block
    const bits = this.#length * 8
    let used = this.#used
    block[used++] = 0x80
    if (used > 56) {
      block.fill(0, used, 64)
      compress(this.#h, block, 0)
      used = 0
    }
    block.fill(0, used, 56)
    const high = Math.floor(bits / 0x100000000)
    block[56] = high >>> 24
    block[57] = high >>> 16
    block[58] = high >>> 8
    block[59] = high
    block[60] = bits >>> 24
    block[61] = bits >>> 16
    block[62] = bits >>> 8
    block[63] = bits
    compress(this.#h, block, 0)
    const h = this.#h
    for (let i = 0; i < 5; i++) {
      const v = h[i]!
      out[offset++] = v >>> 24
      out[offset++] = v >>> 16
      out[offset++] = v >>> 8
      out[offset++] = v
    }
    this.reset()
  }

  /** The 20-byte digest of everything hashed since the last reset; resets. */
  digest(): Uint8Array {
    const out = new Uint8Array(20)
    this.digestInto(out)
    return out
  }
}

/** SHA-1 of `data` (20 bytes). */
export function sha1(data: Uint8Array): Uint8Array {
  return new Sha1().update(data).digest()
}

const HEX_CODES = Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0))
const hexCodes: number[] = []

/** Lower-case hex of `bytes[start..start+length)`; an object id by default (20 bytes). */
export function toHex(bytes: Uint8Array, start = 0, length = 20): string {
  // One fromCharCode over char codes gives a flat string: ~6× faster to build and to use as a Map
  // key than one concatenated two characters at a time.
  hexCodes.length = length * 2
  for (let k = 0; k < length; k++) {
    const b = bytes[start + k]!
    hexCodes[2 * k] = HEX_CODES[b >> 4]!
    hexCodes[2 * k + 1] = HEX_CODES[b & 15]!
  }
  return String.fromCharCode.apply(null, hexCodes)
}

// The 80 rounds are written out with the five working variables renamed each round instead of
// shifted, and the message schedule kept in 16 locals: ~1.6× the speed of the loop form in V8.
// One block per call, the loop in the callers: V8 then optimizes this as a whole function rather
// than on-stack-replacing a loop, which deoptimized on every exit for lack of feedback.
function compress(h: Int32Array, p: Uint8Array, j: number): void {
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!
  let x = 0
  let w0 = (p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!
  let w1 = (p[j + 4]! << 24) | (p[j + 5]! << 16) | (p[j + 6]! << 8) | p[j + 7]!
  let w2 = (p[j + 8]! << 24) | (p[j + 9]! << 16) | (p[j + 10]! << 8) | p[j + 11]!
  let w3 = (p[j + 12]! << 24) | (p[j + 13]! << 16) | (p[j + 14]! << 8) | p[j + 15]!
  let w4 = (p[j + 16]! << 24) | (p[j + 17]! << 16) | (p[j + 18]! << 8) | p[j + 19]!
  let w5 = (p[j + 20]! << 24) | (p[j + 21]! << 16) | (p[j + 22]! << 8) | p[j + 23]!
  let w6 = (p[j + 24]! << 24) | (p[j + 25]! << 16) | (p[j + 26]! << 8) | p[j + 27]!
  let w7 = (p[j + 28]! << 24) | (p[j + 29]! << 16) | (p[j + 30]! << 8) | p[j + 31]!
  let w8 = (p[j + 32]! << 24) | (p[j + 33]! << 16) | (p[j + 34]! << 8) | p[j + 35]!
  let w9 = (p[j + 36]! << 24) | (p[j + 37]! << 16) | (p[j + 38]! << 8) | p[j + 39]!
  let w10 = (p[j + 40]! << 24) | (p[j + 41]! << 16) | (p[j + 42]! << 8) | p[j + 43]!
  let w11 = (p[j + 44]! << 24) | (p[j + 45]! << 16) | (p[j + 46]! << 8) | p[j + 47]!
  let w12 = (p[j + 48]! << 24) | (p[j + 49]! << 16) | (p[j + 50]! << 8) | p[j + 51]!
  let w13 = (p[j + 52]! << 24) | (p[j + 53]! << 16) | (p[j + 54]! << 8) | p[j + 55]!
  let w14 = (p[j + 56]! << 24) | (p[j + 57]! << 16) | (p[j + 58]! << 8) | p[j + 59]!
  let w15 = (p[j + 60]! << 24) | (p[j + 61]! << 16) | (p[j + 62]! << 8) | p[j + 63]!
  e = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + w0 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2)
  d = (((e << 5) | (e >>> 27)) + (c ^ (a & (b ^ c))) + d + w1 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2)
  c = (((d << 5) | (d >>> 27)) + (b ^ (e & (a ^ b))) + c + w2 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2)
  b = (((c << 5) | (c >>> 27)) + (a ^ (d & (e ^ a))) + b + w3 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2)
  a = (((b << 5) | (b >>> 27)) + (e ^ (c & (d ^ e))) + a + w4 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2)
  e = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + w5 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2)
  d = (((e << 5) | (e >>> 27)) + (c ^ (a & (b ^ c))) + d + w6 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2)
  c = (((d << 5) | (d >>> 27)) + (b ^ (e & (a ^ b))) + c + w7 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2)
  b = (((c << 5) | (c >>> 27)) + (a ^ (d & (e ^ a))) + b + w8 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2)
  a = (((b << 5) | (b >>> 27)) + (e ^ (c & (d ^ e))) + a + w9 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2)
  e = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + w10 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2)
  d = (((e << 5) | (e >>> 27)) + (c ^ (a & (b ^ c))) + d + w11 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2)
  c = (((d << 5) | (d >>> 27)) + (b ^ (e & (a ^ b))) + c + w12 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2)
  b = (((c << 5) | (c >>> 27)) + (a ^ (d & (e ^ a))) + b + w13 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2)
  a = (((b << 5) | (b >>> 27)) + (e ^ (c & (d ^ e))) + a + w14 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2)
  e = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + w15 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2)
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (c ^ (a & (b ^ c))) + d + w0 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2)
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (b ^ (e & (a ^ b))) + c + w1 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2)
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (a ^ (d & (e ^ a))) + b + w2 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2)
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (e ^ (c & (d ^ e))) + a + w3 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2)
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w4 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2)
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w5 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2)
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w6 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2)
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w7 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2)
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w8 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2)
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w9 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2)
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w10 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2)
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w11 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2)
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w12 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2)
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w13 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2)
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w14 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2)
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w15 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2)
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w0 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2)
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w1 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2)
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w2 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2)
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w3 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2)
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w4 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2)
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w5 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2)
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w6 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2)
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w7 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2)
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + w8 - 0x70e44324) | 0; b = (b << 30) | (b >>> 2)
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + d + w9 - 0x70e44324) | 0; a = (a << 30) | (a >>> 2)
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + c + w10 - 0x70e44324) | 0; e = (e << 30) | (e >>> 2)
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + b + w11 - 0x70e44324) | 0; d = (d << 30) | (d >>> 2)
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + a + w12 - 0x70e44324) | 0; c = (c << 30) | (c >>> 2)
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + w13 - 0x70e44324) | 0; b = (b << 30) | (b >>> 2)
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + d + w14 - 0x70e44324) | 0; a = (a << 30) | (a >>> 2)
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + c + w15 - 0x70e44324) | 0; e = (e << 30) | (e >>> 2)
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + b + w0 - 0x70e44324) | 0; d = (d << 30) | (d >>> 2)
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + a + w1 - 0x70e44324) | 0; c = (c << 30) | (c >>> 2)
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + w2 - 0x70e44324) | 0; b = (b << 30) | (b >>> 2)
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + d + w3 - 0x70e44324) | 0; a = (a << 30) | (a >>> 2)
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + c + w4 - 0x70e44324) | 0; e = (e << 30) | (e >>> 2)
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + b + w5 - 0x70e44324) | 0; d = (d << 30) | (d >>> 2)
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + a + w6 - 0x70e44324) | 0; c = (c << 30) | (c >>> 2)
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + w7 - 0x70e44324) | 0; b = (b << 30) | (b >>> 2)
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + d + w8 - 0x70e44324) | 0; a = (a << 30) | (a >>> 2)
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + c + w9 - 0x70e44324) | 0; e = (e << 30) | (e >>> 2)
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + b + w10 - 0x70e44324) | 0; d = (d << 30) | (d >>> 2)
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + a + w11 - 0x70e44324) | 0; c = (c << 30) | (c >>> 2)
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w12 - 0x359d3e2a) | 0; b = (b << 30) | (b >>> 2)
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w13 - 0x359d3e2a) | 0; a = (a << 30) | (a >>> 2)
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w14 - 0x359d3e2a) | 0; e = (e << 30) | (e >>> 2)
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w15 - 0x359d3e2a) | 0; d = (d << 30) | (d >>> 2)
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w0 - 0x359d3e2a) | 0; c = (c << 30) | (c >>> 2)
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w1 - 0x359d3e2a) | 0; b = (b << 30) | (b >>> 2)
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w2 - 0x359d3e2a) | 0; a = (a << 30) | (a >>> 2)
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w3 - 0x359d3e2a) | 0; e = (e << 30) | (e >>> 2)
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w4 - 0x359d3e2a) | 0; d = (d << 30) | (d >>> 2)
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w5 - 0x359d3e2a) | 0; c = (c << 30) | (c >>> 2)
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w6 - 0x359d3e2a) | 0; b = (b << 30) | (b >>> 2)
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w7 - 0x359d3e2a) | 0; a = (a << 30) | (a >>> 2)
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w8 - 0x359d3e2a) | 0; e = (e << 30) | (e >>> 2)
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w9 - 0x359d3e2a) | 0; d = (d << 30) | (d >>> 2)
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w10 - 0x359d3e2a) | 0; c = (c << 30) | (c >>> 2)
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31); e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w11 - 0x359d3e2a) | 0; b = (b << 30) | (b >>> 2)
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31); d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w12 - 0x359d3e2a) | 0; a = (a << 30) | (a >>> 2)
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31); c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w13 - 0x359d3e2a) | 0; e = (e << 30) | (e >>> 2)
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31); b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w14 - 0x359d3e2a) | 0; d = (d << 30) | (d >>> 2)
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31); a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w15 - 0x359d3e2a) | 0; c = (c << 30) | (c >>> 2)
  h[0] = (h[0]! + a) | 0
  h[1] = (h[1]! + b) | 0
  h[2] = (h[2]! + c) | 0
  h[3] = (h[3]! + d) | 0
  h[4] = (h[4]! + e) | 0
}
