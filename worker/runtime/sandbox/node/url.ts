import { createCodedError, invalidArgType } from './errors'

/** Node's `url.fileURLToPath` (POSIX): decodes percent-escapes; rejects non-file URLs and encoded slashes. */
export function fileURLToPath(input: string | URL): string {
  const url = typeof input === 'string' ? new URL(input) : input
  if (!(url instanceof URL) && typeof (url as URL)?.href !== 'string') throw invalidArgType('path', 'of type string or an instance of URL', input)
  if (url.protocol !== 'file:') throw createCodedError('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file', TypeError)
  if (url.hostname !== '') throw createCodedError('ERR_INVALID_FILE_URL_HOST', `File URL host must be "localhost" or empty on linux`, TypeError)
  const pathname = url.pathname
  if (/%2f/i.test(pathname)) throw createCodedError('ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters', TypeError)
  return decodeURIComponent(pathname)
}

/** Node's `url.pathToFileURL`: resolves against `cwd` and percent-encodes what URL parsing would misread. */
export function pathToFileURL(path: string, resolve: (p: string) => string = (p) => p): URL {
  let resolved = resolve(path)
  if (path.endsWith('/') && !resolved.endsWith('/')) resolved += '/'
  const encoded = resolved.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09').replace(/#/g, '%23').replace(/\?/g, '%3F')
  return new URL(`file://${encoded}`)
}

interface LegacyUrl {
  protocol: string | null
  slashes: boolean | null
  auth: string | null
  host: string | null
  port: string | null
  hostname: string | null
  hash: string | null
  search: string | null
  query: string | Record<string, string | string[]> | null
  pathname: string | null
  path: string | null
  href: string
}

/** Node's legacy `url.parse` for the common cases (absolute URLs and bare paths). */
export function parse(input: string, parseQuery = false): LegacyUrl {
  const result: LegacyUrl = { protocol: null, slashes: null, auth: null, host: null, port: null, hostname: null, hash: null, search: null, query: null, pathname: null, path: null, href: input }
  let rest = input.trim()
  const hashAt = rest.indexOf('#')
  if (hashAt !== -1) {
    result.hash = rest.slice(hashAt)
    rest = rest.slice(0, hashAt)
  }
  const queryAt = rest.indexOf('?')
  if (queryAt !== -1) {
    result.search = rest.slice(queryAt)
    result.query = rest.slice(queryAt + 1)
    rest = rest.slice(0, queryAt)
  } else if (parseQuery) {
    result.search = ''
    result.query = {}
  }
  const proto = /^([a-z][a-z0-9.+-]*:)/i.exec(rest)
  if (proto) {
    result.protocol = proto[1].toLowerCase()
    rest = rest.slice(proto[1].length)
  }
  if (rest.startsWith('//')) {
    result.slashes = true
    rest = rest.slice(2)
    const end = rest.search(/[/]/)
    let host = end === -1 ? rest : rest.slice(0, end)
    rest = end === -1 ? '' : rest.slice(end)
    const at = host.lastIndexOf('@')
    if (at !== -1) {
      result.auth = decodeURIComponent(host.slice(0, at))
      host = host.slice(at + 1)
    }
    result.host = host.toLowerCase()
    const port = /:(\d*)$/.exec(host)
    if (port) {
      result.port = port[1]
      host = host.slice(0, -port[0].length)
    }
    result.hostname = host.toLowerCase()
    if (!rest) rest = '/'
  }
  result.pathname = rest || null
  result.path = (result.pathname ?? '') + (result.search ?? '') || null
  if (parseQuery && typeof result.query === 'string') {
    const query: Record<string, string | string[]> = {}
    new URLSearchParams(result.query).forEach((value, key) => {
      const prev = query[key]
      query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
    })
    result.query = query
  }
  result.href = format(result)
  return result
}

/** Node's `url.format` for a URL object or a legacy URL object. */
export function format(input: URL | Partial<LegacyUrl> | string): string {
  if (typeof input === 'string') return format(parse(input))
  if (input instanceof URL) return input.href
  const protocol = input.protocol ? (input.protocol.endsWith(':') ? input.protocol : `${input.protocol}:`) : ''
  const auth = input.auth ? `${encodeURIComponent(input.auth).replace(/%3A/i, ':')}@` : ''
  const host = input.host ?? (input.hostname ? `${input.hostname}${input.port ? `:${input.port}` : ''}` : '')
  const slashes = input.slashes || (host && /^(https?|ftp|gopher|file|wss?):?$/.test(protocol)) ? '//' : ''
  let search = input.search ?? ''
  if (!search && input.query && typeof input.query === 'object') {
    const q = new URLSearchParams(input.query as Record<string, string>).toString()
    if (q) search = `?${q}`
  }
  if (search && !search.startsWith('?')) search = `?${search}`
  let hash = input.hash ?? ''
  if (hash && !hash.startsWith('#')) hash = `#${hash}`
  let pathname = input.pathname ?? ''
  if (slashes && pathname && !pathname.startsWith('/')) pathname = `/${pathname}`
  return `${protocol}${slashes}${auth}${host}${pathname}${search}${hash}`
}

/** Node's legacy `url.resolve`. */
export function resolve(from: string, to: string): string {
  const base = new URL(from, 'resolve://')
  const resolved = new URL(to, base)
  if (resolved.protocol === 'resolve:') {
    const { pathname, search, hash } = resolved
    return from.startsWith('/') || !from ? `${pathname}${search}${hash}` : `${pathname}${search}${hash}`.replace(/^\//, '')
  }
  return resolved.toString()
}

/** Creates the `url` module; `resolvePath` makes `pathToFileURL` absolute (the process's cwd). */
export function createUrlModule(resolvePath: (p: string) => string) {
  return {
    URL,
    URLSearchParams,
    fileURLToPath,
    pathToFileURL: (path: string) => pathToFileURL(path, resolvePath),
    parse,
    format,
    resolve,
    domainToASCII: (domain: string) => {
      try {
        return new URL(`http://${domain}`).hostname
      } catch {
        return ''
      }
    },
    domainToUnicode: (domain: string) => domain,
    urlToHttpOptions: (url: URL) => ({ protocol: url.protocol, hostname: url.hostname, hash: url.hash, search: url.search, pathname: url.pathname, path: `${url.pathname}${url.search}`, href: url.href, port: url.port ? Number(url.port) : undefined, auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined }),
  }
}
