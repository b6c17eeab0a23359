/** @module The edge's small cryptographic helpers, all on Web Crypto: random secrets, hashes, PKCE and token encryption. */
import { ApiError } from '../errors'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Bytes as unpadded base64url. */
export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Unpadded (or padded) base64url or base64 to bytes; throws on anything else. */
export function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/** A random secret of `bytes` bytes (32: 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** SHA-256 of a string, lower-case hex: how one-time secrets and session ids are stored. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** The PKCE S256 challenge of a verifier (RFC 7636): base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(verifier))))
}

const keys = new Map<string, Promise<CryptoKey>>()

/** The AES-GCM key from the TOKEN_KEY secret (32 bytes, base64 or base64url); a clear error when unset or malformed. */
function tokenKey(secret: string | undefined): Promise<CryptoKey> {
  if (!secret) throw new ApiError(500, 'internal', 'The edge has no TOKEN_KEY secret: set one with `wrangler secret put TOKEN_KEY` (32 random bytes, base64)')
  let key = keys.get(secret)
  if (!key) {
    let raw: Uint8Array
    try {
      raw = fromBase64url(secret)
    } catch {
      throw new ApiError(500, 'internal', 'TOKEN_KEY is not base64: it must be 32 random bytes, base64-encoded')
    }
    if (raw.length !== 32) throw new ApiError(500, 'internal', `TOKEN_KEY must be 32 bytes (it is ${raw.length})`)
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
    keys.set(secret, key)
  }
  return key
}

/**
 * Encrypts a token for storage with AES-GCM under TOKEN_KEY: base64url(iv || ciphertext), a fresh
 * 96-bit IV each time. `context` (e.g. the user id) is bound as additional data, so a ciphertext
 * copied to another row does not decrypt.
 */
export async function encryptToken(secret: string | undefined, token: string, context: string): Promise<string> {
  const key = await tokenKey(secret)
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, key, encoder.encode(token)))
  const out = new Uint8Array(iv.length + sealed.length)
  out.set(iv)
  out.set(sealed, iv.length)
  return base64url(out)
}

/** The token `encryptToken` sealed; throws when the key, the context or the ciphertext is wrong. */
export async function decryptToken(secret: string | undefined, sealed: string, context: string): Promise<string> {
  const key = await tokenKey(secret)
  const bytes = fromBase64url(sealed)
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: encoder.encode(context) }, key, bytes.slice(12))
  return decoder.decode(plain)
}
