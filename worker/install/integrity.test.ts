import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { integrityFromShasum, integrityOf, shasumOf, verifyIntegrity } from '.'

const hello = new TextEncoder().encode('hello')
// Computed independently with Node's crypto.createHash.
const SHA1 = 'sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00='
const SHA256 = 'sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ='
const SHA512 = 'sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=='
const OTHER512 = `sha512-${btoa(String.fromCharCode(...new Uint8Array(64).fill(7)))}`
const OTHER1 = `sha1-${btoa(String.fromCharCode(...new Uint8Array(20).fill(7)))}`

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected a rejection')
}

describe('integrity', () => {
  it('computes the SRI strings npm writes', async () => {
    expect(await integrityOf(hello)).toBe(SHA512)
    expect(await integrityOf(hello, 'sha256')).toBe(SHA256)
    expect(await integrityOf(hello, 'sha1')).toBe(SHA1)
    expect(await shasumOf(hello)).toBe('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d')
    expect(integrityFromShasum('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d')).toBe(SHA1)
  })

  it('accepts matching data for each algorithm', async () => {
    for (const sri of [SHA1, SHA256, SHA512, `  ${SHA512}\n`]) await expect(verifyIntegrity(hello, sri)).resolves.toBeUndefined()
  })

  it('rejects changed data with INTEGRITY naming expected and actual', async () => {
    const tampered = new TextEncoder().encode('hellp')
    const error = await rejection(verifyIntegrity(tampered, SHA512, 'greeting@1.0.0'))
    expect(error.code).toBe('INTEGRITY')
    expect(error.data.expected).toBe(SHA512)
    expect(error.data.actual).toBe(await integrityOf(tampered))
    expect(error.message).toContain(SHA512)
    expect(error.message).toContain(String(error.data.actual))
    expect(error.message).toContain('greeting@1.0.0')
  })

  it('checks the strongest algorithm of several and ignores weaker ones', async () => {
    await expect(verifyIntegrity(hello, `${OTHER1} ${SHA512}`)).resolves.toBeUndefined()
    // A right sha1 does not rescue a wrong sha512.
    expect((await rejection(verifyIntegrity(hello, `${SHA1} ${OTHER512}`))).code).toBe('INTEGRITY')
    // Any of several hashes of the strongest algorithm may match.
    await expect(verifyIntegrity(hello, `${OTHER512} ${SHA512}`)).resolves.toBeUndefined()
    // Unknown algorithms are skipped when a known one remains.
    await expect(verifyIntegrity(hello, `md5-XUFAKrxLKna5cZ2REBfFkg== ${SHA256}`)).resolves.toBeUndefined()
  })

  it('refuses malformed and unsupported strings with BAD_INPUT', async () => {
    for (const sri of ['', 'sha512', 'sha512-', 'sha512-abc$', 'md5-XUFAKrxLKna5cZ2REBfFkg==', 'sha512-qvTGHdzF6KLavt4PO0gs2a6pQ00=', 'SHA512 nope']) {
      expect((await rejection(verifyIntegrity(hello, sri))).code, sri).toBe('BAD_INPUT')
    }
    expect(() => integrityFromShasum('xyz')).toThrow(AppError)
  })
})
