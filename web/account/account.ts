import { createSignal, type Accessor } from 'solid-js'

/** The signed-in user, as the edge describes them (GET /api/auth/me). */
export interface AccountUser {
  id: string
  email: string | null
  name: string | null
  login: string | null
  avatarUrl: string | null
}

/**
 * Who is signed in. `unavailable`: no edge answered (offline, or the IDE served without one);
 * everything that needs no account keeps working.
 */
export type AccountState =
  | { status: 'loading' }
  | { status: 'unavailable'; reason: string }
  | { status: 'signed-out'; providers: { github: boolean; email: boolean } }
  | { status: 'signed-in'; user: AccountUser; providers: { github: boolean; email: boolean } }

/** One of the user's GitHub repositories, for the import list. */
export interface GitHubRepoSummary {
  fullName: string
  private: boolean
  cloneUrl: string
  defaultBranch: string
  description: string | null
  pushedAt: string | null
}

/** A git host the edge's proxy reaches (GET /api/git/hosts). */
export interface GitHost {
  /** Origin (and path prefix) of the host, e.g. `https://github.com`. */
  url: string
  host: string
  /** The GitHub the edge signs in with (pull requests can be opened there). */
  github: boolean
  /** Whether the edge holds credentials for the signed-in user on this host. */
  credentials: boolean
}

export interface Account {
  state: Accessor<AccountState>
  /** The git hosts the edge's proxy reaches; empty without an edge. */
  gitHosts(): Promise<GitHost[]>
  /**
   * The edge's git proxy URL for a repository URL (`/git/<host>/<path>` on this origin), so that
   * the user's token is added at the edge; null when the edge does not reach that host or there
   * is no edge: then git talks to the host directly.
   */
  viaEdge(repoUrl: string): Promise<string | null>
  /** `owner/repo` on the edge's GitHub for a repository URL, or null when it is not there. */
  gitHubRepo(repoUrl: string): Promise<{ owner: string; repo: string } | null>
  /** Saves (or, with a null token, forgets) the user's access token for a git host other than GitHub; it is kept at the edge. */
  saveHostToken(host: string, token: string | null, username?: string): Promise<void>
  /** The signed-in user's GitHub repositories, most recently pushed first (page 1, 2, …). */
  gitHubRepos(page?: number): Promise<{ repos: GitHubRepoSummary[]; more: boolean }>
  /** Opens a pull request on GitHub through the edge; rejects with GitHub's reason, said plainly. */
  openPullRequest(repo: { owner: string; repo: string }, pr: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<{ number: number; url: string }>
  /** Asks the edge again (after coming back online, or from another tab's sign-in). */
  refresh(): Promise<void>
  /** Leaves for GitHub's sign-in page; comes back to `next` (this page by default). */
  signInWithGitHub(next?: string): void
  /** Mails a one-time sign-in link; rejects with the edge's message. */
  emailLink(email: string, next?: string): Promise<void>
  signOut(options?: { everywhere?: boolean }): Promise<void>
}

/** The edge's error message from a `{ error: { message } }` body, or the status line. */
async function errorOf(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
  return body?.error?.message ?? `the server answered ${res.status} ${res.statusText}`
}

/** The account of this browser, from the edge at `base` (this origin). */
export function createAccount(base = ''): Account {
  const [state, setState] = createSignal<AccountState>({ status: 'loading' })
  const here = () => `${location.pathname}${location.search}`

  async function refresh() {
    // Offline there is no one to ask (and nothing that needs an account stops working).
    if (!navigator.onLine) {
      setState({ status: 'unavailable', reason: 'offline' })
      return
    }
    try {
      const res = await fetch(`${base}/api/auth/me`, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      if (!res.ok || !res.headers.get('content-type')?.includes('json')) {
        setState({ status: 'unavailable', reason: res.status === 404 ? 'this server has no accounts' : await errorOf(res) })
        return
      }
      const me = (await res.json()) as { user: AccountUser | null; providers: { github: boolean; email: boolean } }
      setState(me.user ? { status: 'signed-in', user: me.user, providers: me.providers } : { status: 'signed-out', providers: me.providers })
    } catch {
      setState({ status: 'unavailable', reason: navigator.onLine ? 'the server cannot be reached' : 'offline' })
    }
  }

  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    if (!res.ok) throw new Error(await errorOf(res))
    return res
  }

  let hosts: Promise<GitHost[]> | null = null
  const gitHosts = (): Promise<GitHost[]> => {
    if (!navigator.onLine) return Promise.resolve([])
    hosts ??= fetch(`${base}/api/git/hosts`, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(async (res) => (res.ok && res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { hosts: GitHost[] }).hosts : []))
      .catch(() => {
        hosts = null
        return []
      })
    return hosts
  }
  const hostFor = async (repoUrl: string): Promise<{ host: GitHost; url: URL } | null> => {
    let url: URL
    try {
      url = new URL(repoUrl)
    } catch {
      return null
    }
    const host = (await gitHosts()).find((h) => `${url.origin}${url.pathname}`.startsWith(h.url.endsWith('/') ? h.url : `${h.url}/`))
    return host ? { host, url } : null
  }

  // Once the page is idle: the sign-in check is not needed to edit or run anything, and a page
  // that has just started (maybe in a new process) may not know yet that the browser is offline.
  const first = () => void refresh()
  if (typeof requestIdleCallback === 'function') requestIdleCallback(first, { timeout: 2000 })
  else setTimeout(first, 500)
  window.addEventListener('online', () => void refresh())
  // Another tab signed in or out.
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('coder-account') : null
  if (channel) channel.onmessage = () => void refresh()
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void refresh())

  return {
    state,
    refresh: async () => {
      hosts = null
      await refresh()
    },
    gitHosts,
    async viaEdge(repoUrl) {
      const found = await hostFor(repoUrl)
      return found ? `${location.origin}${base}/git/${found.url.host}${found.url.pathname.replace(/\/+$/, '')}` : null
    },
    async saveHostToken(host, token, username) {
      const res = await fetch(`${base}/api/git/tokens/${encodeURIComponent(host)}`, {
        method: token === null ? 'DELETE' : 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: token === null ? undefined : JSON.stringify({ token, username: username || undefined }),
      })
      if (!res.ok) throw new Error(await errorOf(res))
      hosts = null
    },
    async gitHubRepos(page = 1) {
      const res = await fetch(`${base}/api/github/repos?page=${page}`, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      if (!res.ok) throw new Error(await errorOf(res))
      return (await res.json()) as { repos: GitHubRepoSummary[]; more: boolean }
    },
    async openPullRequest(repo, pr) {
      const res = await post(`/api/github/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}/pulls`, pr)
      return (await res.json()) as { number: number; url: string }
    },
    async gitHubRepo(repoUrl) {
      const found = await hostFor(repoUrl)
      if (!found?.host.github) return null
      const m = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(found.url.pathname)
      return m ? { owner: m[1]!, repo: m[2]! } : null
    },
    signInWithGitHub(next = here()) {
      location.assign(`${base}/api/auth/github/start?next=${encodeURIComponent(next)}`)
    },
    async emailLink(email, next = here()) {
      await post('/api/auth/email', { email, next })
    },
    async signOut(options = {}) {
      await post(options.everywhere ? '/api/auth/signout-everywhere' : '/api/auth/signout')
      channel?.postMessage('changed')
      hosts = null
      await refresh()
    },
  }
}
