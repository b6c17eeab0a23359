/**
 * The GitHub stand-in's state: users, tokens, OAuth apps and codes, repositories (their git data
 * lives in bare repositories on disk, everything else here, in memory), issues and pull requests,
 * check runs, statuses, webhooks and their delivery log, and the rate-limit knob.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { cloneBare, headBranch, initBare, seedHistory } from './git.ts'

/** A user or organisation to seed. */
export interface SeedUser {
  login: string
  name?: string
  email?: string
  type?: 'User' | 'Organization'
}

/** A repository to seed; its bare repository is created under the git root unless it already exists there. */
export interface SeedRepo {
  /** Login of the owning user or organisation (seeded first). */
  owner: string
  name: string
  private?: boolean
  /** Default `main` for a new repository, else the branch its HEAD names. */
  defaultBranch?: string
  description?: string
  /** No commits at all, as `POST /user/repos` without `auto_init` makes it; `files` and `branches` are ignored. */
  empty?: boolean
  /** Files of the first commit on the default branch; default a README.md. Ignored with `source`. */
  files?: Record<string, string>
  /** More branches, each one commit on top of the default branch adding or changing these files. Ignored with `source`. */
  branches?: Record<string, Record<string, string>>
  /** A git repository (path or URL) whose branches and tags become this repository's. */
  source?: string
  /** Logins that may push (besides the owner). */
  collaborators?: string[]
}

/** A personal access token to seed. */
export interface SeedToken {
  token: string
  login: string
  /** OAuth scopes; default `repo`, `user`, `workflow`. */
  scopes?: string[]
}

/** A registered OAuth app. */
export interface OAuthApp {
  clientId: string
  clientSecret: string
  name: string
  /** The registered callback URL; authorize and token requests must name exactly this one (or none). */
  redirectUri: string
}

/** A webhook target: every delivery is POSTed there, signed with `secret`. */
export interface WebhookTarget {
  url: string
  secret: string
  /** Events to deliver (`push`, `pull_request`, …); default all. */
  events?: string[]
}

/** A user or organisation. */
export interface User {
  id: number
  nodeId: string
  login: string
  name: string | null
  email: string | null
  type: 'User' | 'Organization'
  createdAt: string
}

/** An access token and what it may do. */
export interface Token {
  token: string
  user: User
  scopes: string[]
  /** The OAuth app it was issued to, if any. */
  clientId: string | null
}

/** A label of a repository. */
export interface Label {
  id: number
  nodeId: string
  name: string
  color: string
  description: string | null
  default: boolean
}

/** A comment on an issue or pull request. */
export interface Comment {
  id: number
  nodeId: string
  body: string
  user: User
  createdAt: string
  updatedAt: string
}

/** Pull-request data of an issue that is a pull request. */
export interface Pull {
  id: number
  nodeId: string
  headRef: string
  headSha: string
  baseRef: string
  baseSha: string
  draft: boolean
}

/** An issue or a pull request (they share numbers, as on GitHub). */
export interface Issue {
  id: number
  nodeId: string
  number: number
  title: string
  body: string | null
  user: User
  labels: Label[]
  state: 'open' | 'closed'
  createdAt: string
  updatedAt: string
  closedAt: string | null
  comments: Comment[]
  pull: Pull | null
}

/** A check run on a commit (what a CI app reports). */
export interface CheckRun {
  id: number
  nodeId: string
  headSha: string
  name: string
  status: 'queued' | 'in_progress' | 'completed'
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null
  startedAt: string
  completedAt: string | null
  title: string | null
  summary: string | null
  detailsUrl: string | null
}

/** A commit status for one context. */
export interface CommitStatus {
  id: number
  nodeId: string
  sha: string
  state: 'error' | 'failure' | 'pending' | 'success'
  context: string
  description: string | null
  targetUrl: string | null
  creator: User
  createdAt: string
  updatedAt: string
}

/** A repository: its metadata, issues and pull requests here, its git data in `dir`. */
export interface Repo {
  id: number
  nodeId: string
  owner: User
  name: string
  private: boolean
  defaultBranch: string
  description: string | null
  createdAt: string
  updatedAt: string
  pushedAt: string
  collaborators: Set<string>
  labels: Label[]
  issues: Issue[]
  checkRuns: CheckRun[]
  statuses: CommitStatus[]
  /** The bare repository on disk. */
  dir: string
}

/** An issued, not yet exchanged OAuth authorization code. */
export interface OAuthCode {
  code: string
  app: OAuthApp
  user: User
  scopes: string[]
  redirectUri: string | null
  codeChallenge: string | null
  expiresAt: number
  used: boolean
}

/** One webhook delivery attempt, as the delivery log keeps it. */
export interface Delivery {
  guid: string
  url: string
  event: string
  action: string | null
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null
  error: string | null
  deliveredAt: string
  durationMs: number
  payload: unknown
}

/** GitHub's default labels for a new repository. */
const DEFAULT_LABELS: Array<[string, string, string]> = [
  ['bug', 'd73a4a', "Something isn't working"],
  ['documentation', '0075ca', 'Improvements or additions to documentation'],
  ['duplicate', 'cfd3d7', 'This issue or pull request already exists'],
  ['enhancement', 'a2eeef', 'New feature or request'],
  ['good first issue', '7057ff', 'Good for newcomers'],
  ['help wanted', '008672', 'Extra attention is needed'],
  ['invalid', 'e4e669', "This doesn't seem right"],
  ['question', 'd876e3', 'Further information is requested'],
  ['wontfix', 'ffffff', 'This will not be worked on'],
]

/** GitHub's legacy global node id: base64 of `0<length of type>:<Type><id>` (`MDQ6VXNlcjE=` is `04:User1`). */
function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/** A timestamp as GitHub writes them: ISO 8601, seconds, UTC. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/**
 * The stand-in's whole state. Mutated by the API, git pushes and OAuth, and directly by tests
 * (seeding, knobs); read by the index page.
 */
export class GitHubState {
  readonly users = new Map<string, User>()
  readonly tokens = new Map<string, Token>()
  readonly repos = new Map<string, Repo>()
  readonly oauthApps = new Map<string, OAuthApp>()
  readonly oauthCodes = new Map<string, OAuthCode>()
  readonly webhooks: WebhookTarget[] = []
  readonly deliveries: Delivery[] = []
  /** Login that authorizes OAuth requests without showing the page (headless tests); null shows it. */
  autoApprove: string | null = null
  /** Until when (ms since epoch) every API call is refused as over the rate limit; null when not exhausted. */
  rateLimitedUntil: number | null = null
  /** API calls per hour per caller. */
  readonly rateLimit = { authenticated: 5000, anonymous: 60 }
  readonly #used = new Map<string, { used: number; resetAt: number }>()
  /** Answers about git objects, which never change, keyed by the question (see pulls.ts). */
  readonly gitMemo = new Map<string, Promise<unknown>>()
  readonly gitRoot: string
  readonly now: () => number
  #nextId = 1

  constructor(options: { gitRoot: string; now?: () => number }) {
    this.gitRoot = options.gitRoot
    this.now = options.now ?? Date.now
  }

  /** A fresh id; ids are unique across every kind of object. */
  nextId(): number {
    return this.#nextId++
  }

  /** A fresh id and its node id for an object of GraphQL type `type`. */
  ids(type: string): { id: number; nodeId: string } {
    const id = this.nextId()
    return { id, nodeId: nodeId(type, id) }
  }

  /** The current time as GitHub writes it. */
  timestamp(): string {
    return isoSeconds(this.now())
  }

  /** Adds a user (or returns the existing one with that login). */
  addUser(seed: SeedUser): User {
    const existing = this.users.get(seed.login.toLowerCase())
    if (existing) return existing
    const type = seed.type ?? 'User'
    const user: User = {
      ...this.ids(type),
      login: seed.login,
      name: seed.name ?? null,
      email: seed.email ?? null,
      type,
      createdAt: this.timestamp(),
    }
    this.users.set(seed.login.toLowerCase(), user)
    return user
  }

  /** The user with this login (case-insensitive, as on GitHub). */
  user(login: string): User | undefined {
    return this.users.get(login.toLowerCase())
  }

  /** Adds a token for an existing user; `clientId` names the OAuth app it was issued to. */
  addToken(seed: SeedToken, clientId: string | null = null): Token {
    const user = this.user(seed.login)
    if (!user) throw new Error(`GitHub stand-in: token for unknown user ${seed.login}; seed the user first`)
    const token: Token = { token: seed.token, user, scopes: seed.scopes ?? ['repo', 'user', 'workflow'], clientId }
    this.tokens.set(seed.token, token)
    return token
  }

  /** Issues a new OAuth token (`gho_…`) to `user`. */
  issueToken(user: User, scopes: string[], clientId: string): Token {
    const value = `gho_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`
    return this.addToken({ token: value, login: user.login, scopes }, clientId)
  }

  /** Registers an OAuth app. */
  addOAuthApp(app: OAuthApp): OAuthApp {
    this.oauthApps.set(app.clientId, app)
    return app
  }

  /** Creates a repository: its bare repository on disk (unless already there) and its state. */
  async addRepo(seed: SeedRepo): Promise<Repo> {
    const owner = this.user(seed.owner)
    if (!owner) throw new Error(`GitHub stand-in: repository ${seed.owner}/${seed.name} has an unknown owner; seed the user first`)
    const key = `${owner.login}/${seed.name}`.toLowerCase()
    if (this.repos.has(key)) throw new Error(`GitHub stand-in: repository ${key} exists already`)
    const dir = join(this.gitRoot, owner.login, `${seed.name}.git`)
    if (!existsSync(dir)) {
      if (seed.source) {
        await cloneBare(seed.source, dir)
      } else {
        const branch = seed.defaultBranch ?? 'main'
        await initBare(dir, branch)
        if (!seed.empty) await seedHistory(dir, branch, seed.files ?? { 'README.md': `# ${seed.name}\n` }, seed.branches ?? {})
      }
    }
    // A cloned or reused repository keeps its own default branch unless the seed names one.
    const defaultBranch = seed.defaultBranch ?? (await headBranch(dir))
    const now = this.timestamp()
    const repo: Repo = {
      ...this.ids('Repository'),
      owner,
      name: seed.name,
      private: seed.private ?? false,
      defaultBranch,
      description: seed.description ?? null,
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      collaborators: new Set((seed.collaborators ?? []).map((login) => login.toLowerCase())),
      labels: DEFAULT_LABELS.map(([name, color, description]) => ({ ...this.ids('Label'), name, color, description, default: true })),
      issues: [],
      checkRuns: [],
      statuses: [],
      dir,
    }
    this.repos.set(key, repo)
    return repo
  }

  /** The repository `owner/name` (case-insensitive, `.git` suffix allowed). */
  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name.replace(/\.git$/, '')}`.toLowerCase())
  }

  /** The repository's label called `name` (case-insensitive), created with a grey colour if missing, as GitHub does when one is added to an issue. */
  label(repo: Repo, name: string): Label {
    const found = repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase())
    if (found) return found
    const label: Label = { ...this.ids('Label'), name, color: 'ededed', description: null, default: false }
    repo.labels.push(label)
    return label
  }

  /** The next issue / pull-request number of `repo`. */
  nextNumber(repo: Repo): number {
    return repo.issues.length + 1
  }

  /** Adds a check run on `sha` (as a CI app would). */
  addCheckRun(repo: Repo, run: { headSha: string; name: string; status?: CheckRun['status']; conclusion?: CheckRun['conclusion']; title?: string; summary?: string; detailsUrl?: string }): CheckRun {
    const now = this.timestamp()
    const status = run.status ?? 'completed'
    const checkRun: CheckRun = {
      ...this.ids('CheckRun'),
      headSha: run.headSha,
      name: run.name,
      status,
      conclusion: status === 'completed' ? (run.conclusion ?? 'success') : null,
      startedAt: now,
      completedAt: status === 'completed' ? now : null,
      title: run.title ?? null,
      summary: run.summary ?? null,
      detailsUrl: run.detailsUrl ?? null,
    }
    repo.checkRuns.push(checkRun)
    return checkRun
  }

  /** Sets a commit status on `sha` for `context` (replacing that context's earlier one in the combined status). */
  addStatus(repo: Repo, status: { sha: string; state: CommitStatus['state']; context?: string; description?: string; targetUrl?: string; creator?: string }): CommitStatus {
    const now = this.timestamp()
    const creator = (status.creator && this.user(status.creator)) || repo.owner
    const entry: CommitStatus = {
      ...this.ids('StatusContext'),
      sha: status.sha,
      state: status.state,
      context: status.context ?? 'default',
      description: status.description ?? null,
      targetUrl: status.targetUrl ?? null,
      creator,
      createdAt: now,
      updatedAt: now,
    }
    repo.statuses.push(entry)
    return entry
  }

  /**
   * Makes every API call answer 403 "API rate limit exceeded" (remaining 0) until `resetInSeconds`
   * from now; `restoreRateLimit` ends it early.
   */
  exhaustRateLimit(resetInSeconds = 3600): void {
    this.rateLimitedUntil = this.now() + resetInSeconds * 1000
  }

  /** Ends an exhausted rate limit and resets every caller's count. */
  restoreRateLimit(): void {
    this.rateLimitedUntil = null
    this.#used.clear()
  }

  /**
   * Counts one API call by `caller` (a user id or an address) against its hourly limit; resolves
   * the numbers for the `x-ratelimit-*` headers, `limited` when the call must be refused.
   */
  countCall(caller: string, authenticated: boolean): { limit: number; remaining: number; used: number; reset: number; limited: boolean } {
    const now = this.now()
    const limit = authenticated ? this.rateLimit.authenticated : this.rateLimit.anonymous
    if (this.rateLimitedUntil !== null && now < this.rateLimitedUntil) {
      return { limit, remaining: 0, used: limit, reset: Math.ceil(this.rateLimitedUntil / 1000), limited: true }
    }
    let window = this.#used.get(caller)
    if (!window || window.resetAt <= now) {
      window = { used: 0, resetAt: now + 3600_000 }
      this.#used.set(caller, window)
    }
    const limited = window.used >= limit
    if (!limited) window.used++
    return { limit, remaining: Math.max(0, limit - window.used), used: window.used, reset: Math.ceil(window.resetAt / 1000), limited }
  }
}
