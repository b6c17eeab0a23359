import nodeCrypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createCryptoModule } from './crypto'

const crypto = createCryptoModule()
const inputs = ['', 'abc', 'The quick brown fox jumps over the lazy dog', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'é✓'.repeat(300), 'q'.repeat(111), 'w'.repeat(112), 'e'.repeat(128)]

describe('crypto matches node:crypto', () => {
  it.each(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'])('%s digests', (algorithm) => {
    for (const input of inputs) {
      expect(crypto.createHash(algorithm).update(input).digest('hex')).toBe(nodeCrypto.createHash(algorithm).update(input).digest('hex'))
    }
    const split = crypto.createHash(algorithm).update('ab').update(Buffer.from('c')).digest('base64')
    expect(split).toBe(nodeCrypto.createHash(algorithm).update('abc').digest('base64'))
  })

  it('HMACs and PBKDF2', () => {
    for (const algorithm of ['sha1', 'sha256', 'sha512']) {
      for (const key of ['k', 'key'.repeat(50)]) {
        expect(crypto.createHmac(algorithm, key).update('message').digest('hex')).toBe(nodeCrypto.createHmac(algorithm, key).update('message').digest('hex'))
      }
    }
    expect(crypto.pbkdf2Sync('pw', 'salt', 3, 40, 'sha256').toString('hex')).toBe(nodeCrypto.pbkdf2Sync('pw', 'salt', 3, 40, 'sha256').toString('hex'))
  })

  it('returns Buffers, refuses a second digest and unknown algorithms', () => {
    const hash = crypto.createHash('sha256').update('a')
    const out = hash.digest()
    expect(Buffer.isBuffer(out)).toBe(true)
    expect(() => hash.digest()).toThrow('Digest already called')
    expect(() => crypto.createHash('whirlpool')).toThrow('Digest method not supported')
  })

  it('makes random values of the right shape', () => {
    expect(crypto.randomBytes(16)).toHaveLength(16)
    expect(crypto.randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    for (let i = 0; i < 50; i++) {
      const n = crypto.randomInt(3, 7)
      expect(n >= 3 && n < 7).toBe(true)
    }
    expect(crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab'))).toBe(true)
    expect(crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac'))).toBe(false)
    expect(() => crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))).toThrow(RangeError)
  })
})
