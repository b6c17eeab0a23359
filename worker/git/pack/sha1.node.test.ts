import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { crc32 } from './crc32'
import { Sha1, sha1, toHex } from './sha1'

const text = (s: string) => new TextEncoder().encode(s)
const nodeSha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex')

describe('sha1', () => {
  it('matches the FIPS 180 test vectors', () => {
    expect(toHex(sha1(text('')))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709')
    expect(toHex(sha1(text('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(toHex(sha1(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1')
    expect(toHex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f')
  })

  it("names a blob as git does: 'blob <size>\\0' then the content, hashed in pieces", () => {
    const content = text('hello world\n')
    const hash = new Sha1().update(text(`blob ${content.length}\0`)).update(content).digest()
    expect(toHex(hash)).toBe('3b18e512dba79e4c8300dd08aeb37f8e728b8dad')
  })

  it('agrees with node:crypto on every length around the block edges, however the input is split', () => {
    const data = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)
    const hasher = new Sha1()
    for (let length = 0; length <= 300; length++) {
      const slice = data.subarray(7, 7 + length)
      expect(toHex(sha1(slice)), `length ${length}`).toBe(nodeSha1(slice))
      const cut = (length * 7) % (length + 1)
      hasher.update(data, 7, 7 + cut).update(data, 7 + cut, 7 + length)
      expect(toHex(hasher.digest()), `length ${length} split at ${cut}`).toBe(nodeSha1(slice))
    }
    let big = 0
    for (let piece = 1; big < data.length; piece = piece * 3 + 1) {
      hasher.update(data, big, Math.min(data.length, big + piece))
      big += piece
    }
    expect(toHex(hasher.digest())).toBe(nodeSha1(data))
  })

  it('writes the digest at an offset and starts over after it', () => {
    const out = new Uint8Array(25)
    const hasher = new Sha1().update(text('abc'))
    hasher.digestInto(out, 5)
    expect(toHex(out, 5)).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(toHex(hasher.digest())).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709')
  })
})

describe('crc32', () => {
  it('matches the standard check value and zlib', async () => {
    const { crc32: zlibCrc32 } = await import('node:zlib')
    expect(crc32(text('123456789'))).toBe(0xcbf43926)
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 40503) >>> 3)
    expect(crc32(data, 100, 4000)).toBe(zlibCrc32(data.subarray(100, 4000)))
    expect(crc32(new Uint8Array(0))).toBe(0)
  })
})
