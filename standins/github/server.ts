/**
 * The GitHub stand-in: a real HTTP server on 127.0.0.1 speaking GitHub's wire format, for tests and
 * `npm start`'s local mode (github.com cannot be reached from here). It serves, on one origin:
 * - the REST API at `/api/v3` (GitHub Enterprise's layout, so `new Octokit({ baseUrl })` works);
 * - the OAuth web flow at `/login/oauth/authorize` and `/login/oauth/access_token`;
 * - git over smart HTTP at `/<owner>/<repo>.git` through the real `git http-backend`, private
 *   repositories and pushes needing a token (Basic `x-access-token:<token>` or a Bearer header);
 * - a few web pages (`/`, the `html_url`s) saying what happened.
 * Webhook events go to the configured targets, signed as GitHub signs them.
 *
 * CLI: `node standins/github/server.ts [--port 8788] [--git-root dir] [--seed seed.json]
 * [--webhook url]… [--webhook-secret s] [--auto-approve login] [--oauth-redirect-uri url]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serveGitHttp } from '../git-server.ts'
import { canRead, canWrite, handleApi } from './api.ts'
import { refsChanged, type EventContext } from './events.ts'
import { listRefs } from './git.ts'
import { authenticate, sendHtml, sendText } from './http.ts'
import { handleOAuth } from './oauth.ts'
import { avatar, indexPage, issuePage, repoPage } from './pages.ts'
import { GitHubState, type OAuthApp, type Repo, type SeedRepo, type SeedToken, type SeedUser, type WebhookTarget } from './state.ts'
import { WebhookSender } from './webhooks.ts'
import { runAsScript, stopOnSignals } from '../cli.ts'

/** What to start the stand-in with; everything can also be added later through `state`. */
export interface GitHubStandInOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number
  /** Where the bare repositories live; default a new temp dir, deleted on close. Existing repositories there are reused. */
  gitRoot?: string
  users?: SeedUser[]
  /** Owners not among `users` are created as users. */
  repos?: SeedRepo[]
  /** Users not among `users` are created. */
  tokens?: SeedToken[]
  oauthApps?: OAuthApp[]
  webhooks?: WebhookTarget[]
  /** Login that approves OAuth requests without the consent page (headless tests). */
  autoApprove?: string
  /** The clock (ms since epoch), for code expiry and timestamps; default `Date.now`. */
  now?: () => number
}

/** A running GitHub stand-in. */
export interface GitHubStandIn {
  /** Web root, e.g. `http://127.0.0.1:8788` (github.com's counterpart). */
  url: string
  /** REST base for Octokit's `baseUrl` (`${url}/api/v3`). */
  apiUrl: string
  /** Git base: repositories are at `${gitUrl}/<owner>/<repo>.git`. */
  gitUrl: string
  /** The live state: seed more, turn knobs (`exhaustRateLimit`, `autoApprove`, `webhooks`), read `deliveries`. */
  state: GitHubState
  /** Resolves once every webhook delivery started so far has finished. */
  deliveriesSettled(): Promise<void>
  /** Stops the server (dropping open connections) and deletes a temp git root. */
  close(): Promise<void>
}

/** A smart-HTTP git path: owner, repository (with or without `.git`) and the part git-http-backend serves. */
const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/

/** Starts the stand-in on 127.0.0.1 and seeds it; resolves once it accepts requests. */
export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const ownRoot = options.gitRoot ? null : mkdtempSync(join(tmpdir(), 'github-standin-'))
  const state = new GitHubState({ gitRoot: options.gitRoot ?? ownRoot!, now: options.now })
  const hooks = new WebhookSender(state)
  const ctx: EventContext = { state, hooks, urls: { html: '', api: '' } }
  const pushLocks = new Map<Repo, Promise<void>>()

  const server = createServer((req, res) => {
    route(ctx, pushLocks, req, res).catch((error: unknown) => {
      console.error('[github-standin]', req.method, req.url, error)
      if (!res.headersSent) sendText(res, 500, `GitHub stand-in: ${error instanceof Error ? error.message : String(error)}`)
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  ctx.urls.html = url
  ctx.urls.api = `${url}/api/v3`

  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    if (ownRoot) rmSync(ownRoot, { recursive: true, force: true })
  }
  try {
    for (const user of options.users ?? []) state.addUser(user)
    for (const repo of options.repos ?? []) {
      state.addUser({ login: repo.owner })
      await state.addRepo(repo)
    }
    for (const token of options.tokens ?? []) {
      state.addUser({ login: token.login })
      state.addToken(token)
    }
    for (const app of options.oauthApps ?? []) state.addOAuthApp(app)
    state.webhooks.push(...(options.webhooks ?? []))
    state.autoApprove = options.autoApprove ?? null
  } catch (error) {
    await close()
    throw error
  }
  return { url, apiUrl: ctx.urls.api, gitUrl: url, state, deliveriesSettled: () => hooks.idle(), close }
}

async function route(ctx: EventContext, pushLocks: Map<Repo, Promise<void>>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.urls.html)
  const path = url.pathname
  if (path === '/api/v3' || path.startsWith('/api/v3/')) return handleApi(ctx, req, res, path.slice('/api/v3'.length) || '/', url)
  if (path.startsWith('/login/oauth/')) return handleOAuth(ctx.state, req, res, url)
  const git = GIT_PATH.exec(path)
  if (git) return serveGit(ctx, pushLocks, req, res, git[1], git[2], git[3], url)
  if (req.method !== 'GET') return sendText(res, 404, 'Not Found')
  return servePage(ctx, req, res, path)
}

/** Git over HTTP with GitHub's access rules: private repositories and pushes need a token with access. */
async function serveGit(
  ctx: EventContext,
  pushLocks: Map<Repo, Promise<void>>,
  req: IncomingMessage,
  res: ServerResponse,
  owner: string,
  name: string,
  tail: string,
  url: URL,
): Promise<void> {
  const challenge = { 'WWW-Authenticate': 'Basic realm="GitHub"' }
  const auth = authenticate(ctx.state, req)
  if (auth.kind === 'bad') return sendText(res, 401, 'Invalid username or token. Password authentication is not supported for Git operations.\n', challenge)
  const token = auth.kind === 'token' ? auth.token : null
  const repo = ctx.state.repo(owner, name)
  const push = tail === 'git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack'
  // Without credentials, ask for them before saying whether a private repository exists.
  if (!token && (push || !repo || repo.private)) return sendText(res, 401, 'Authentication required\n', challenge)
  if (!repo || !canRead(repo, token)) return sendText(res, 404, 'Repository not found.\n')
  if (push && !canWrite(repo, token)) return sendText(res, 403, `Permission to ${repo.owner.login}/${repo.name}.git denied to ${token!.user.login}.\n`)

  const options = { root: ctx.state.gitRoot, path: `/${repo.owner.login}/${repo.name}.git/${tail}`, user: token?.user.login }
  if (!(push && req.method === 'POST')) return serveGitHttp(req, res, options)
  // One push at a time per repository, so each push's refs before and after are its own.
  const previous = pushLocks.get(repo) ?? Promise.resolve()
  const current = previous.then(async () => {
    const before = await listRefs(repo.dir)
    const announce = async () => refsChanged(ctx, repo, before, await listRefs(repo.dir), token!.user)
    await serveGitHttp(req, res, { ...options, beforeEnd: announce })
  })
  pushLocks.set(repo, current.catch(() => undefined))
  return current
}

async function servePage(ctx: EventContext, _req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const { state } = ctx
  if (path === '/') return sendHtml(res, 200, indexPage(state, ctx.urls.html))
  const avatarMatch = /^\/avatars\/u\/(\d+)$/.exec(path)
  if (avatarMatch) {
    const user = [...state.users.values()].find((u) => u.id === Number(avatarMatch[1]))
    if (!user) return sendText(res, 404, 'Not Found')
    // As avatars.githubusercontent.com does: readable cross-origin, so a COEP page can show it.
    res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=3600', 'Access-Control-Allow-Origin': '*' })
    res.end(avatar(user.id, user.login))
    return
  }
  // Pages of private repositories are not shown: the browser has no token to present.
  const m = /^\/([^/]+)\/([^/]+)(?:\/(pull|issues)\/(\d+))?\/?$/.exec(path)
  const repo = m ? state.repo(m[1], m[2]) : undefined
  if (!m || !repo || repo.private) return sendHtml(res, 404, '<!doctype html><title>Not Found</title><p>Not Found (GitHub stand-in)')
  if (!m[3]) return sendHtml(res, 200, await repoPage(repo, ctx.urls.html))
  const item = repo.issues.find((i) => i.number === Number(m[4]) && (m[3] === 'pull') === !!i.pull)
  if (!item) return sendHtml(res, 404, '<!doctype html><title>Not Found</title><p>Not Found (GitHub stand-in)')
  return sendHtml(res, 200, issuePage(repo, item))
}

/** The seed `npm start` and the CLI use without `--seed`: one user with a token, a public and a private repository, one OAuth app. */
export function defaultSeed(redirectUri: string): Pick<GitHubStandInOptions, 'users' | 'repos' | 'tokens' | 'oauthApps'> {
  return {
    users: [{ login: 'coder-dev', name: 'Coder Developer', email: 'coder-dev@example.com' }],
    repos: [
      { owner: 'coder-dev', name: 'hello', description: 'A public repository of the GitHub stand-in', files: { 'README.md': '# hello\n', 'index.js': "console.log('hello')\n" } },
      { owner: 'coder-dev', name: 'secret', private: true, description: 'A private repository of the GitHub stand-in' },
    ],
    tokens: [{ token: 'ghp_standin_coder_dev_token_0000000000', login: 'coder-dev' }],
    oauthApps: [{ clientId: 'standin-client-id', clientSecret: 'standin-client-secret', name: 'Coder (local)', redirectUri }],
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8788' },
      'git-root': { type: 'string' },
      seed: { type: 'string' },
      webhook: { type: 'string', multiple: true, default: [] },
      'webhook-secret': { type: 'string', default: 'standin-webhook-secret' },
      'auto-approve': { type: 'string' },
      'oauth-redirect-uri': { type: 'string', default: 'http://127.0.0.1:8787/api/auth/github/callback' },
    },
  })
  const seed: GitHubStandInOptions = values.seed ? JSON.parse(readFileSync(values.seed, 'utf8')) : defaultSeed(values['oauth-redirect-uri']!)
  const standIn = await startGitHubStandIn({
    ...seed,
    port: Number(values.port),
    gitRoot: values['git-root'],
    webhooks: [...(seed.webhooks ?? []), ...values.webhook!.map((url) => ({ url, secret: values['webhook-secret']! }))],
    autoApprove: values['auto-approve'] ?? seed.autoApprove,
  })
  const { state } = standIn
  console.log(`GitHub stand-in (local, for development and tests) on ${standIn.url}`)
  console.log(`  web:   ${standIn.url}/`)
  console.log(`  API:   ${standIn.apiUrl}`)
  console.log(`  git:   ${standIn.gitUrl}/<owner>/<repo>.git`)
  for (const app of state.oauthApps.values()) console.log(`  OAuth app "${app.name}": client_id=${app.clientId} client_secret=${app.clientSecret} callback=${app.redirectUri}`)
  for (const t of state.tokens.values()) console.log(`  token for ${t.user.login}: ${t.token} (scopes: ${t.scopes.join(', ')})`)
  for (const r of state.repos.values()) console.log(`  repository ${r.owner.login}/${r.name} (${r.private ? 'private' : 'public'})`)
  for (const w of state.webhooks) console.log(`  webhooks to ${w.url}`)
  stopOnSignals(() => standIn.close())
}

runAsScript(import.meta.url, main)
