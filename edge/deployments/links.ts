/**
 * Signed links to deployments: a token `<expiresAt>.<base64url(HMAC-SHA256(DEPLOY_LINK_KEY,
 * "<id>.<expiresAt>"))>`, expiresAt in milliseconds since the epoch. No state is kept: a link
 * stays good until it expires or the key changes.
 */
import type { Env } from '../env'
import { base64url, fromBase64url } from '../auth/crypto'

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

/** The token of a link to deployment `id` good until `expiresAt` (ms); needs `secret` (DEPLOY_LINK_KEY) to be set. */
export async function signDeploymentLink(secret: string, id: string, expiresAt: number): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${id}.${expiresAt}`)))
  return `${expiresAt}.${base64url(mac)}`
}

/**
 * Whether `token` is a link to deployment `id` that has not expired, signed with this edge's
 * DEPLOY_LINK_KEY. False — never a throw — for an expired, tampered, malformed or other
 * deployment's token, and for every token while the key is unset. The MAC is checked by
 * `crypto.subtle.verify`, in constant time.
 */
export async function verifyDeploymentLink(env: Pick<Env, 'DEPLOY_LINK_KEY'>, id: string, token: string, now = Date.now()): Promise<boolean> {
  const secret = env.DEPLOY_LINK_KEY
  const match = /^(\d{1,16})\.([\w-]{43})$/.exec(token)
  if (!secret || !match) return false
  const expiresAt = Number(match[1])
  if (!(expiresAt > now)) return false
  let mac: Uint8Array
  try {
    mac = fromBase64url(match[2]!)
  } catch {
    return false
  }
  // The last character carries two spare bits: only the canonical spelling is the token.
  if (base64url(mac) !== match[2]) return false
  return crypto.subtle.verify('HMAC', await hmacKey(secret), mac, encoder.encode(`${id}.${expiresAt}`))
}
