/** @module "Open in Coder" links: `/<git-host>/<owner>/<repo>[/tree/<branch>]` and `/?import=<url>`. */

/** What a link asks for: a repository to open (or import), and optionally a branch. */
export interface OpenLink {
  url: string
  ref?: string
}

/** Hosts served over plain http in links (a developer's own machine). */
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/

/**
 * The repository a location names, or null when it is not an open link. `/github.com/o/r` →
 * `https://github.com/o/r.git`; `/github.com/o/r/tree/feature/x` adds ref `feature/x`;
 * `?import=<url>[&branch=<b>]` takes the URL as given (http or https only). The first path
 * segment must look like a host (contain a dot or a port) so app routes are never mistaken for one.
 */
export function parseOpenLink(pathname: string, search: string): OpenLink | null {
  const params = new URLSearchParams(search)
  const imported = params.get('import')
  if (imported) {
    let u: URL
    try {
      u = new URL(imported)
    } catch {
      return null
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null
    const ref = params.get('branch')?.trim()
    return ref ? { url: u.href, ref } : { url: u.href }
  }
  const parts = pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p))
  if (parts.length < 3) return null
  const [host, owner, repo, kind, ...rest] = parts
  if (!/^[\w.-]+(:\d+)?$/.test(host) || !(host.includes('.') || host.includes(':'))) return null
  if (!/^[\w.-]+$/.test(owner) || !/^[\w.-]+$/.test(repo)) return null
  if (kind !== undefined && kind !== 'tree') return null
  const scheme = LOCAL_HOST.test(host) ? 'http' : 'https'
  const url = `${scheme}://${host.toLowerCase()}/${owner}/${repo.replace(/\.git$/, '')}.git`
  const ref = kind === 'tree' ? rest.join('/') : ''
  return ref ? { url, ref } : { url }
}

/** True when two repository URLs name the same repository (scheme, case of host, `.git` and trailing `/` ignored). */
export function sameRepository(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      const u = new URL(s.trim())
      return `${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '').replace(/\.git$/, '')}`
    } catch {
      return s.trim()
    }
  }
  return norm(a) === norm(b)
}
