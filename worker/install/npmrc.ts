import { AppError } from '../../shared/errors'

/** Credentials for one registry prefix; `basic` is the base64 of `user:password`, ready for `Authorization: Basic`. */
export interface RegistryAuth {
  token?: string
  basic?: string
}

/** The parts of an `.npmrc` an install needs. */
export interface NpmConfig {
  /** `registry=`, ending in `/`, or null when the file does not set it. */
  registry: string | null
  /** `@scope:registry=` by scope (`'@acme'`), each ending in `/`. */
  scopes: Record<string, string>
  /** Credentials by nerf-darted prefix (`//host[:port]/path/`). */
  auth: Record<string, RegistryAuth>
  /** `legacy-peer-deps=true`: peer dependencies are neither installed nor checked. */
  legacyPeerDeps: boolean
}

/**
 * Reads `.npmrc` text as npm does: ini lines (`;`/`#` comments, quoted values, `key[]=` taken as
 * `key`), `${NAME}` replaced from `env` (`${NAME?}` by '' when unset; unset names stay as written,
 * as npm leaves them), `\${` escapes. Keeps registry, scoped registries, `legacy-peer-deps` and `//prefix/:_authToken`,
 * `:_auth` and `:username` + `:_password` credentials; ignores everything else, including
 * un-prefixed credentials (npm 9+ refuses those too). Throws BAD_INPUT for a registry that is not
 * an http(s) URL.
 */
export function parseNpmrc(text: string, env: Record<string, string> = {}): NpmConfig {
  const config: NpmConfig = { registry: null, scopes: {}, auth: {}, legacyPeerDeps: false }
  const users: Record<string, { username?: string; password?: string }> = {}
  let section = ''
  for (const line of text.split(/[\r\n]+/)) {
    if (/^\s*([;#]|$)/.test(line)) continue
    const match = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/.exec(line)
    if (!match) continue
    if (match[1] !== undefined) {
      section = match[1].trim()
      continue
    }
    // Keys under an [ini section] are nested objects to npm: not config it reads.
    if (section) continue
    const key = expand(unquote(match[2]).replace(/\[\]$/, ''), env)
    const value = expand(match[3] === undefined ? 'true' : unquote(match[4]), env)
    if (key === 'registry') config.registry = registryUrl(value, key)
    else if (key === 'legacy-peer-deps') config.legacyPeerDeps = value.trim() === 'true'
    else if (/^@[^/:]+:registry$/.test(key)) config.scopes[key.slice(0, key.indexOf(':'))] = registryUrl(value, key)
    else if (key.startsWith('//')) {
      const colon = key.lastIndexOf(':')
      if (colon < 0) continue
      const prefix = nerfDart(key.slice(0, colon))
      const field = key.slice(colon + 1)
      if (!prefix) continue
      if (field === '_authToken') (config.auth[prefix] ??= {}).token = value
      else if (field === '_auth') (config.auth[prefix] ??= {}).basic = value
      else if (field === 'username') (users[prefix] ??= {}).username = value
      else if (field === '_password') (users[prefix] ??= {}).password = value
    }
  }
  for (const [prefix, { username, password }] of Object.entries(users)) {
    const auth = (config.auth[prefix] ??= {})
    if (username !== undefined && password !== undefined && auth.basic === undefined) auth.basic = toBase64(`${username}:${fromBase64(password)}`)
  }
  return config
}

/**
 * The registry to ask about `name`: its scope's registry for `@scope/x` when configured, else
 * `registry=`, else `fallback` (which the caller supplies: no registry host is built in). Always
 * ends in `/`.
 */
export function registryFor(name: string, config: NpmConfig, fallback: string): string {
  const scope = name.startsWith('@') ? name.split('/')[0] : ''
  const url = (scope && config.scopes[scope]) || config.registry || fallback
  return url.endsWith('/') ? url : `${url}/`
}

/**
 * The credentials for a request to `url`: those of the longest configured `//host/path/` prefix
 * that the URL starts with (host and port must match exactly, so a token never goes to another
 * host), or null when none applies.
 */
export function authFor(url: string, config: NpmConfig): RegistryAuth | null {
  let target: string
  try {
    const u = new URL(url)
    target = `//${u.host}${u.pathname}`
  } catch {
    return null
  }
  let best: string | null = null
  for (const prefix of Object.keys(config.auth)) {
    if (target.startsWith(prefix) && (best === null || prefix.length > best.length)) best = prefix
  }
  return best === null ? null : { ...config.auth[best] }
}

/** `//Host:port/path` → `//host:port/path/` (what URL would make of it, with a trailing slash). */
function nerfDart(key: string): string | null {
  try {
    const u = new URL(`http:${key}`)
    const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`
    return `//${u.host}${path}`
  } catch {
    return null
  }
}

function registryUrl(value: string, key: string): string {
  let u: URL | null = null
  try {
    u = new URL(value)
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new AppError('BAD_INPUT', `.npmrc: ${key} = "${value}" is not an http(s) URL`, { key, value })
  return value.endsWith('/') ? value : `${value}/`
}

/** npm's env replacement: `${NAME}`, `${NAME?}`, and backslashes escaping the `$`. */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g, (orig, esc: string, name: string, modifier: string | undefined) => {
    const fallback = modifier === '?' ? '' : `\${${name}}`
    const value = Object.hasOwn(env, name) ? env[name] : fallback
    if (esc.length % 2) return orig.slice((esc.length + 1) / 2)
    return esc.slice(esc.length / 2) + value
  })
}

/** The `ini` package's value rules: quoted values are JSON (single quotes allowed), others stop at an unescaped `;` or `#`. */
function unquote(raw: string): string {
  const value = raw.trim()
  if ((value.startsWith('"') && value.endsWith('"') && value.length > 1) || (value.startsWith("'") && value.endsWith("'") && value.length > 1)) {
    const inner = value.startsWith("'") ? value.slice(1, -1) : value
    try {
      const parsed: unknown = JSON.parse(inner)
      return typeof parsed === 'string' ? parsed : String(parsed)
    } catch {
      return inner
    }
  }
  let out = ''
  let escaped = false
  for (const c of value) {
    if (escaped) {
      out += '\\;#'.includes(c) ? c : `\\${c}`
      escaped = false
    } else if (c === ';' || c === '#') break
    else if (c === '\\') escaped = true
    else out += c
  }
  if (escaped) out += '\\'
  return out.trim()
}

function toBase64(text: string): string {
  let s = ''
  for (const b of new TextEncoder().encode(text)) s += String.fromCharCode(b)
  return btoa(s)
}

function fromBase64(text: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)))
  } catch {
    return text
  }
}
