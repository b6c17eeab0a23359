// The GitHub stand-in's behaviour, through the clients that will talk to it: the OAuth web flow
// over plain HTTP, native git for clones and pushes, @octokit/rest for the API, and a webhook
// receiver that verifies signatures with @octokit/webhooks-methods.
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Octokit } from '@octokit/rest'
import { verify } from '@octokit/webhooks-methods'
import { startGitHubStandIn, type GitHubStandIn } from './index.ts'


// Octokit logs every failed request; the failures here are on purpose.
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const SECRET = 'behaviour-webhook-secret'
const CALLBACK = 'http://127.0.0.1:9/auth/github/callback'

let gh: GitHubStandIn
let receiver: Server
let clock = Date.parse('2025-06-01T12:00:00Z')
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = []
const work = mkdtempSync(join(tmpdir(), 'github-standin-test-'))

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  gh = await startGitHubStandIn({
    users: [{ login: 'octo', email: 'octo@example.com' }, { login: 'reader' }],
    repos: [
      { owner: 'octo', name: 'app', files: { 'README.md': '# app\n', 'src/index.ts': 'export {}\n' } },
      { owner: 'octo', name: 'secret', private: true, files: { 'SECRET.md': 'private\n' } },
    ],
    tokens: [
      { token: 'octo-token', login: 'octo' },
      { token: 'reader-token', login: 'reader' },
    ],
    oauthApps: [{ clientId: 'client-1', clientSecret: 'secret-1', name: 'Coder test app', redirectUri: CALLBACK }],
    webhooks: [{ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/github`, secret: SECRET }],
    now: () => clock,
  })
})

afterAll(async () => {
  await gh?.close()
  await new Promise((resolve) => receiver?.close(resolve))
  rmSync(work, { recursive: true, force: true })
})

/** Runs native git without any user or system configuration (no credential helpers, no prompts). */
function git(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'user.name=Octo', '-c', 'user.email=octo@example.com', '-c', 'init.defaultBranch=main', ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

/** A clone URL carrying `token` the way GitHub documents it (`x-access-token:<token>@`). */
function cloneUrl(repo: string, token?: string): string {
  const url = new URL(`${gh.gitUrl}/${repo}.git`)
  if (token) [url.username, url.password] = ['x-access-token', token]
  return String(url)
}

const pkce = (verifier: string) => createHash('sha256').update(verifier).digest('base64url')

/** Goes through the consent page as a user would: GET it, submit its form; resolves to the callback URL. */
async function authorize(params: Record<string, string>): Promise<URL> {
  const page = await fetch(`${gh.url}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' })
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('Coder test app')
  expect(html).toContain('GitHub stand-in (local, for development and tests)')
  expect(html).toMatch(/<button[^>]*name="authorize" value="1">Authorize Coder test app<\/button>/)
  const form = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name, value.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))))
  form.set('login', 'octo')
  form.set('authorize', '1')
  const approved = await fetch(`${gh.url}/login/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' })
  expect(approved.status).toBe(302)
  return new URL(approved.headers.get('location')!)
}

async function exchange(fields: Record<string, string>, accept = 'application/json'): Promise<Record<string, string>> {
  const response = await fetch(`${gh.url}/login/oauth/access_token`, {
    method: 'POST',
    headers: { Accept: accept, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  })
  expect(response.status).toBe(200)
  return accept === 'application/json' ? ((await response.json()) as Record<string, string>) : Object.fromEntries(new URLSearchParams(await response.text()))
}

describe('OAuth web flow', () => {
  const verifier = 'a-verifier-that-is-long-enough-for-pkce-0123456789'
  const base = { client_id: 'client-1', redirect_uri: CALLBACK, scope: 'repo user', code_challenge: pkce(verifier), code_challenge_method: 'S256' }

  it('authorizes on the consent page, passes state back and exchanges the code once for a working token', async () => {
    const callback = await authorize({ ...base, state: 'state-123' })
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK)
    expect(callback.searchParams.get('state')).toBe('state-123')
    const code = callback.searchParams.get('code')!

    const token = await exchange({ client_id: 'client-1', client_secret: 'secret-1', code, redirect_uri: CALLBACK, code_verifier: verifier })
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'repo,user' })
    expect(token.access_token).toMatch(/^gho_/)
    const me = await new Octokit({ baseUrl: gh.apiUrl, auth: token.access_token, log: quiet }).rest.users.getAuthenticated()
    expect(me.data.login).toBe('octo')
    expect(me.headers['x-oauth-scopes']).toBe('repo, user')

    expect(await exchange({ client_id: 'client-1', client_secret: 'secret-1', code, code_verifier: verifier })).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    })
  })

  it('rejects a wrong PKCE verifier, a wrong secret, an expired code and answers urlencoded by default', async () => {
    const wrongVerifier = (await authorize(base)).searchParams.get('code')!
    expect((await exchange({ client_id: 'client-1', client_secret: 'secret-1', code: wrongVerifier, code_verifier: 'not-the-verifier' })).error).toBe('bad_verification_code')

    const wrongSecret = (await authorize(base)).searchParams.get('code')!
    expect((await exchange({ client_id: 'client-1', client_secret: 'nope', code: wrongSecret, code_verifier: verifier })).error).toBe('incorrect_client_credentials')

    const expired = (await authorize(base)).searchParams.get('code')!
    clock += 11 * 60 * 1000
    expect((await exchange({ client_id: 'client-1', client_secret: 'secret-1', code: expired, code_verifier: verifier })).error).toBe('bad_verification_code')

    const plain = (await authorize(base)).searchParams.get('code')!
    const form = await exchange({ client_id: 'client-1', client_secret: 'secret-1', code: plain, code_verifier: verifier }, '*/*')
    expect(form).toMatchObject({ token_type: 'bearer', scope: 'repo,user' })
    expect(form.access_token).toMatch(/^gho_/)
  })

  it('rejects a redirect_uri other than the registered one, at authorize and at exchange', async () => {
    const page = await fetch(`${gh.url}/login/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: 'http://evil.example/cb' })}`, { redirect: 'manual' })
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('The redirect_uri is not associated with this application')

    const code = (await authorize(base)).searchParams.get('code')!
    expect(await exchange({ client_id: 'client-1', client_secret: 'secret-1', code, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: verifier })).toMatchObject({
      error: 'redirect_uri_mismatch',
      error_uri: expect.stringContaining('https://docs.github.com/'),
    })
  })

  it('approves at once for the auto-approve user, and tells the app when the user cancels', async () => {
    gh.state.autoApprove = 'octo'
    try {
      const redirected = await fetch(`${gh.url}/login/oauth/authorize?${new URLSearchParams({ ...base, state: 's' })}`, { redirect: 'manual' })
      expect(redirected.status).toBe(302)
      expect(new URL(redirected.headers.get('location')!).searchParams.get('code')).toMatch(/^[0-9a-f]{20}$/)
    } finally {
      gh.state.autoApprove = null
    }
    const cancelled = await fetch(`${gh.url}/login/oauth/authorize`, { method: 'POST', body: new URLSearchParams({ ...base, state: 's', authorize: '0' }), redirect: 'manual' })
    const location = new URL(cancelled.headers.get('location')!)
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('state')).toBe('s')
  })
})

describe('git over HTTP', () => {
  it('clones a private repository only with a token that can see it', async () => {
    const anonymous = await git(work, 'clone', cloneUrl('octo/secret'), 'anon')
    expect(anonymous.code).not.toBe(0)
    expect(anonymous.stderr).toMatch(/could not read Username|Authentication failed|401/)
    const stranger = await git(work, 'clone', cloneUrl('octo/secret', 'reader-token'), 'stranger')
    expect(stranger.code).not.toBe(0)
    expect(stranger.stderr).toMatch(/not found/i)

    const owner = await git(work, 'clone', cloneUrl('octo/secret', 'octo-token'), 'secret')
    expect(owner.code, owner.stderr).toBe(0)
    expect(readFileSync(join(work, 'secret', 'SECRET.md'), 'utf8')).toBe('private\n')

    const bearer = await git(work, '-c', 'http.extraHeader=Authorization: Bearer octo-token', 'clone', cloneUrl('octo/secret'), 'bearer')
    expect(bearer.code).toBe(0)
  })

  it('pushes a branch with native git, then opens a pull request whose head is the pushed commit', async () => {
    const dir = join(work, 'app')
    expect((await git(work, 'clone', cloneUrl('octo/app'), 'app')).code).toBe(0)
    await git(dir, 'checkout', '-b', 'coder/fix-greeting')
    writeFileSync(join(dir, 'src', 'index.ts'), "export const greeting = 'hi'\n")
    await git(dir, 'commit', '-am', 'Fix the greeting')
    const sha = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim()

    expect((await git(dir, 'push', 'origin', 'coder/fix-greeting')).code).not.toBe(0)
    const readOnly = await git(dir, 'push', cloneUrl('octo/app', 'reader-token'), 'coder/fix-greeting')
    expect(readOnly.stderr).toContain('Permission to octo/app.git denied to reader')
    const pushed = await git(dir, 'push', cloneUrl('octo/app', 'octo-token'), 'coder/fix-greeting')
    expect(pushed.code, pushed.stderr).toBe(0)

    const octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'octo-token', log: quiet })
    const pr = await octokit.rest.pulls.create({ owner: 'octo', repo: 'app', title: 'Fix the greeting', head: 'coder/fix-greeting', base: 'main', draft: true })
    expect(pr.status).toBe(201)
    expect(pr.data).toMatchObject({ number: 1, draft: true, head: { ref: 'coder/fix-greeting', sha }, commits: 1, changed_files: 1 })

    // A second push moves the pull request's head along.
    writeFileSync(join(dir, 'src', 'index.ts'), "export const greeting = 'hello'\n")
    await git(dir, 'commit', '-am', 'Say hello')
    expect((await git(dir, 'push', cloneUrl('octo/app', 'octo-token'), 'coder/fix-greeting')).code).toBe(0)
    const second = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim()
    const updated = await octokit.rest.pulls.get({ owner: 'octo', repo: 'app', pull_number: 1 })
    expect(updated.data).toMatchObject({ head: { sha: second }, commits: 2 })
  })

  it('answers a pull request GitHub would refuse with 422 Validation Failed in GitHub’s shape', async () => {
    const octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'octo-token', log: quiet })
    const refusal = (head: string, base = 'main') => octokit.rest.pulls.create({ owner: 'octo', repo: 'app', title: 't', head, base }).catch((e: { status: number; response: { data: unknown } }) => e)
    expect(await refusal('never-pushed')).toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        },
      },
    })
    expect(await refusal('main')).toMatchObject({ status: 422, response: { data: { errors: [{ code: 'custom', message: 'No commits between main and main' }] } } })
    expect(await refusal('octo:coder/fix-greeting')).toMatchObject({
      status: 422,
      response: { data: { errors: [{ code: 'custom', message: 'A pull request already exists for octo:coder/fix-greeting.' }] } },
    })
  })
})

describe('seeding', () => {
  it('seeds a repository from another git repository, keeping its default branch', async () => {
    const source = join(work, 'source')
    await git(work, 'init', '-b', 'trunk', source)
    writeFileSync(join(source, 'a.txt'), 'a\n')
    await git(source, 'add', 'a.txt')
    await git(source, 'commit', '-m', 'Add a')
    await gh.state.addRepo({ owner: 'octo', name: 'copied', source })
    const octokit = new Octokit({ baseUrl: gh.apiUrl, log: quiet })
    expect((await octokit.rest.repos.get({ owner: 'octo', repo: 'copied' })).data.default_branch).toBe('trunk')
    const branch = await octokit.rest.repos.getBranch({ owner: 'octo', repo: 'copied', branch: 'trunk' })
    expect(branch.data.commit).toMatchObject({ commit: { message: 'Add a', author: { email: 'octo@example.com' } }, author: { login: 'octo' } })
  })
})

describe('API limits and errors', () => {
  it('answers 403 with x-ratelimit-remaining 0 and the reset time while the limit is exhausted', async () => {
    const octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'octo-token', log: quiet })
    const before = await octokit.rest.users.getAuthenticated()
    expect(Number(before.headers['x-ratelimit-remaining'])).toBeGreaterThan(0)
    gh.state.exhaustRateLimit(120)
    try {
      const error = await octokit.rest.repos.get({ owner: 'octo', repo: 'app' }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        name: 'HttpError',
        status: 403,
        message: expect.stringContaining('API rate limit exceeded for user ID'),
        response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil((clock + 120_000) / 1000)) } },
      })
    } finally {
      gh.state.restoreRateLimit()
    }
    expect((await octokit.rest.repos.get({ owner: 'octo', repo: 'app' })).status).toBe(200)
  })

  it('hides private repositories behind 404 and refuses unknown tokens with 401 Bad credentials', async () => {
    const get = (auth?: string) => new Octokit({ baseUrl: gh.apiUrl, auth, log: quiet }).rest.repos.get({ owner: 'octo', repo: 'secret' }).catch((e: { status: number; response: { data: unknown } }) => e)
    expect(await get()).toMatchObject({ status: 404, response: { data: { message: 'Not Found', documentation_url: expect.any(String) } } })
    expect(await get('reader-token')).toMatchObject({ status: 404 })
    expect(await get('nope')).toMatchObject({ status: 401, response: { data: { message: 'Bad credentials' } } })
    expect(await get('octo-token')).toMatchObject({ status: 200, data: { private: true, permissions: { admin: true } } })
  })
})

describe('webhooks and pages', () => {
  it('delivers push and pull_request events signed with the webhook secret, and logs each delivery', async () => {
    await gh.deliveriesSettled()
    const events = received.map((r) => `${r.headers['x-github-event']}:${JSON.parse(r.body).action ?? ''}`)
    expect(events.sort()).toEqual(['pull_request:opened', 'pull_request:synchronize', 'push:', 'push:'])
    for (const r of received) {
      expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/)
      expect(await verify(SECRET, r.body, String(r.headers['x-hub-signature-256']))).toBe(true)
      expect(await verify('another-secret', r.body, String(r.headers['x-hub-signature-256']))).toBe(false)
    }
    const push = received.map((r) => JSON.parse(r.body)).find((body) => body.created)
    expect(push).toMatchObject({ ref: 'refs/heads/coder/fix-greeting', created: true, pusher: { name: 'octo' }, commits: [{ message: 'Fix the greeting', modified: ['src/index.ts'] }] })
    const opened = received.map((r) => JSON.parse(r.body)).find((body) => body.action === 'opened')
    expect(opened.pull_request.head.sha).toBe(push.after)
    expect(gh.state.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200])
  })

  it('shows what happened on its index page, named as a stand-in', async () => {
    const html = await (await fetch(`${gh.url}/`)).text()
    expect(html).toContain('GitHub stand-in (local, for development and tests)')
    expect(html).toContain('octo/app')
    expect(html).toContain('Fix the greeting')
    expect(html).toContain('pull_request.synchronize')
    const pr = await fetch(`${gh.url}/octo/app/pull/1`)
    expect(await pr.text()).toContain('coder/fix-greeting')
  })

  it('starts from the command line and prints its URLs', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./server.ts', import.meta.url)), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = ''
        child.stdout.on('data', (c: Buffer) => {
          text += c
          if (text.includes('repository coder-dev/secret')) resolve(text)
        })
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)))
      })
      const api = /API: +(\S+)/.exec(output)![1]
      const token = /token for coder-dev: (\S+)/.exec(output)![1]
      const me = await new Octokit({ baseUrl: api, auth: token, log: quiet }).rest.users.getAuthenticated()
      expect(me.data.login).toBe('coder-dev')
    } finally {
      child.kill()
    }
  })
})
