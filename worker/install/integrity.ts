import { AppError } from '../../shared/errors'

/** A hash algorithm Web Crypto can compute and npm writes into integrity strings. */
export type IntegrityAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512'

/** Strength order (weakest first), as ssri ranks them. */
const ALGORITHMS: Record<IntegrityAlgorithm, { subtle: string; bytes: number; rank: number }> = {
  sha1: { subtle: 'SHA-1', bytes: 20, rank: 1 },
  sha256: { subtle: 'SHA-256', bytes: 32, rank: 2 },
  sha384: { subtle: 'SHA-384', bytes: 48, rank: 3 },
  sha512: { subtle: 'SHA-512', bytes: 64, rank: 4 },
}

// `algo-base64digest` with optional `?options` (ssri allows them; nobody writes them, we ignore them).
const TOKEN = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$/

interface Hash {
  algorithm: IntegrityAlgorithm
  digest: string
}

/**
 * The hashes of `sri` for the strongest algorithm it names that Web Crypto supports (a string may
 * name the same algorithm more than once: any of them may match). Throws BAD_INPUT when a token is
 * malformed, a digest has the wrong length for its algorithm, or no algorithm is supported.
 */
function strongest(sri: string): Hash[] {
  if (typeof sri !== 'string' || !sri.trim()) throw new AppError('BAD_INPUT', 'the integrity string is empty', { integrity: sri })
  let best: Hash[] = []
  for (const token of sri.trim().split(/\s+/)) {
    const match = TOKEN.exec(token)
    if (!match) throw new AppError('BAD_INPUT', `malformed integrity string: "${token}" is not <algorithm>-<base64 digest>`, { integrity: sri })
    const algorithm = match[1] as IntegrityAlgorithm
    const spec = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined
    // Unknown algorithms (md5, sha3…) are skipped as ssri skips them, as long as another one remains.
    if (!spec) continue
    if (decodedLength(match[2]) !== spec.bytes) throw new AppError('BAD_INPUT', `malformed integrity string: the ${algorithm} digest in "${token}" is not ${spec.bytes} bytes`, { integrity: sri })
    const current = best[0] ? ALGORITHMS[best[0].algorithm].rank : 0
    if (spec.rank > current) best = [{ algorithm, digest: match[2] }]
    else if (spec.rank === current) best.push({ algorithm, digest: match[2] })
  }
  if (!best.length) throw new AppError('BAD_INPUT', `unsupported integrity string "${sri}": it names no sha1, sha256, sha384 or sha512 hash`, { integrity: sri })
  return best
}

function decodedLength(base64: string): number {
  try {
    return atob(base64).length
  } catch {
    return -1
  }
}

async function digest(data: Uint8Array, algorithm: IntegrityAlgorithm): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(ALGORITHMS[algorithm].subtle, data as Uint8Array<ArrayBuffer>))
}

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i])
  return btoa(s)
}

/**
 * Resolves when `data` matches the Subresource Integrity string `sri` as npm writes it
 * (`sha512-<base64>`, or several space-separated hashes: the strongest supported algorithm is the
 * one checked). Rejects with INTEGRITY (data: `{ expected, actual }`) on a mismatch and with
 * BAD_INPUT for a malformed or unsupported string; never resolves for data it did not hash.
 * `subject` (e.g. `lodash@4.17.21`) names what was checked in the message.
 */
export async function verifyIntegrity(data: Uint8Array, sri: string, subject?: string): Promise<void> {
  const expected = strongest(sri)
  const algorithm = expected[0].algorithm
  const actual = toBase64(await digest(data, algorithm))
  if (expected.some((h) => h.digest === actual)) return
  const want = expected.map((h) => `${h.algorithm}-${h.digest}`).join(' ')
  const got = `${algorithm}-${actual}`
  throw new AppError('INTEGRITY', `integrity check failed${subject ? ` for ${subject}` : ''}: expected ${want}, got ${got} (the download is corrupt or was tampered with)`, {
    expected: want,
    actual: got,
    ...(subject ? { subject } : {}),
  })
}

/** The SRI string of `data` for one algorithm, e.g. `sha512-<base64>` (what npm writes to lockfiles). */
export async function integrityOf(data: Uint8Array, algorithm: IntegrityAlgorithm = 'sha512'): Promise<string> {
  if (!Object.hasOwn(ALGORITHMS, algorithm)) throw new AppError('BAD_INPUT', `unsupported integrity algorithm "${algorithm}"`)
  return `${algorithm}-${toBase64(await digest(data, algorithm))}`
}

/** The lowercase hex SHA-1 of `data`: what old package documents put in `dist.shasum`. */
export async function shasumOf(data: Uint8Array): Promise<string> {
  return Array.from(await digest(data, 'sha1'), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The SRI string (`sha1-<base64>`) for a hex `dist.shasum`, so old package documents are checked by
 * `verifyIntegrity` like new ones. Throws BAD_INPUT unless `hex` is 40 hex digits.
 */
export function integrityFromShasum(hex: string): string {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new AppError('BAD_INPUT', `"${hex}" is not a sha1 shasum (40 hex digits)`)
  const bytes = new Uint8Array(20)
  for (let i = 0; i < 20; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return `sha1-${toBase64(bytes)}`
}
