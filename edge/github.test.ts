import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import { browser, resetAccounts, signInByEmail, type TestBrowser } from './test/browser'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/github-standin.ts.
  export interface ProvidedContext {
    github: { url: string; apiUrl: string; control: string; token: string }
    awkwardGitHost: string
  }
}

// The GitHub stand-in (standins/github) is a real HTTP server on 127.0.0.1 speaking GitHub's wire
// format: OAuth, REST and git through `git http-backend`. The edge under test runs in workerd.
const github = inject('github')
const githubHost = new URL(github.url).host
const config = { GITHUB_WEB_URL: github.url, GITHUB_API_URL: github.apiUrl, GITHUB_CLIENT_ID: 'edge-test-client', GITHUB_CLIENT_SECRET: 'edge-test-secret' }
const control = (path: string) => fetch(`${github.control}${path}`, { method: 'POST' })

beforeEach(async () => {
  await resetAccounts()
  await control('/rate-limit/restore')
  await control('/auto-approve?login=ada')
})

/** Leaves for GitHub's authorize page; resolves to where GitHub sends the browser back (the callback URL). */
async function toGitHubAndBack(b: TestBrowser, next = '/p/project-1'): Promise<URL> {
  const start = await b.request(`/api/auth/github/start?next=${encodeURIComponent(next)}`)
  expect(start.status).toBe(302)
  const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' })
  expect(authorize.status).toBe(302)
  return new URL(authorize.headers.get('location')!)
}

async function signInWithGitHub(b: TestBrowser) {
  const back = await toGitHubAndBack(b)
  const done = await b.request(`${back.pathname}${back.search}`)
  expect(done.status, await done.clone().text()).toBe(302)
  return done
}

const me = async (b: TestBrowser) => ((await (await b.request('/api/auth/me')).json()) as { user: { login: string | null } | null }).user

describe('GitHub sign-in (OAuth code + state + PKCE)', () => {
  it('signs in through GitHub and comes back to the page it left; the token is stored encrypted only', async () => {
    const b = browser(config)
    const start = await b.request('/api/auth/github/start?next=%2Fp%2Fproject-1')
    const authorize = new URL(start.headers.get('location')!)
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${github.url}/login/oauth/authorize`)
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'edge-test-client',
      redirect_uri: 'http://coder.test/api/auth/github/callback',
      scope: 'repo read:user user:email',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    })
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!)
    const done = await b.request(`${back.pathname}${back.search}`)
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/p/project-1')
    expect(await me(b)).toMatchObject({ login: 'ada' })
    const identity = await env.DB.prepare("SELECT token_ciphertext, scopes FROM identities WHERE provider = 'github'").first<{ token_ciphertext: string; scopes: string }>()
    expect(identity!.token_ciphertext).toMatch(/^[\w-]+$/)
    expect(identity!.token_ciphertext).not.toContain('gho_')
    // Nothing the browser got back carries the token.
    expect(JSON.stringify(await (await b.request('/api/auth/me')).json())).not.toMatch(/gh[op]_/)
  })

  it('rejects a callback without state, a replayed one, one from another browser, and an expired one', async () => {
    const b = browser(config)
    const back = await toGitHubAndBack(b)
    const missing = await b.request(`/api/auth/github/callback?code=${back.searchParams.get('code')}`)
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain('incomplete')

    // Another browser (no state cookie) presenting this browser's callback (login CSRF) is refused,
    // and the state is spent: the original browser cannot use it afterwards either.
    const stolen = await browser(config).request(`${back.pathname}${back.search}`)
    expect(stolen.status).toBe(403)
    expect(await stolen.text()).toContain('another browser')
    expect((await b.request(`${back.pathname}${back.search}`)).status).toBe(400)

    const b3 = browser(config)
    const back3 = await toGitHubAndBack(b3)
    expect((await b3.request(`${back3.pathname}${back3.search}`)).status).toBe(302)
    const replayed = await b3.request(`${back3.pathname}${back3.search}`)
    expect(replayed.status).toBe(400)
    expect(await replayed.text()).toContain('already used')

    const b4 = browser(config)
    const back4 = await toGitHubAndBack(b4)
    await env.DB.exec(`UPDATE oauth_states SET expires_at = ${Date.now() - 1}`)
    const expired = await b4.request(`${back4.pathname}${back4.search}`)
    expect(await expired.text()).toContain('expired')
    expect(await me(b4)).toBeNull()
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM sessions').first<{ n: number }>())!.n).toBe(1)
  })

  it('fails clearly when GitHub refuses the code (a PKCE verifier that does not match)', async () => {
    const b = browser(config)
    const back = await toGitHubAndBack(b)
    await env.DB.exec("UPDATE oauth_states SET code_verifier = 'not-the-verifier-the-challenge-was-made-from-xxxx'")
    const res = await b.request(`${back.pathname}${back.search}`)
    expect(res.status).toBe(502)
    expect(await res.text()).toMatch(/GitHub refused the sign-in/)
    expect(await me(b)).toBeNull()
  })

  it('says so when the user denies access on GitHub, or when GitHub sign-in is not configured', async () => {
    const b = browser(config)
    const denied = await b.request('/api/auth/github/callback?error=access_denied&error_description=The+user+has+denied+your+application+access.')
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('The user has denied your application access.')
    const off = await browser({ GITHUB_CLIENT_ID: undefined }).request('/api/auth/github/start')
    expect(off.status).toBe(400)
    expect(await off.text()).toContain('not configured')
    const providers = (await (await browser({ GITHUB_CLIENT_ID: undefined }).request('/api/auth/me')).json()) as { providers: { github: boolean } }
    expect(providers.providers.github).toBe(false)
  })
})

describe('git proxy', () => {
  const refs = (repo: string, service = 'git-upload-pack') => `/git/${githubHost}/ada/${repo}.git/info/refs?service=${service}`

  it('reaches a private repository with the signed-in user’s token, which never reaches the browser', async () => {
    const anonymous = await browser(config).request(refs('secret'))
    expect(anonymous.status).toBe(401)
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toMatch(/sign in with GitHub/)

    const b = browser(config)
    await signInWithGitHub(b)
    const res = await b.request(refs('secret'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement')
    const text = await res.text()
    expect(text).toMatch(/# service=git-upload-pack/)
    expect(text).toMatch(/[0-9a-f]{40} refs\/heads\/coder\/fix/)
    expect(text).not.toMatch(/gh[op]_/)
  })

  it('streams a pack for an upload-pack request', async () => {
    const b = browser(config)
    await signInWithGitHub(b)
    const advert = await (await b.request(refs('secret'))).text()
    const head = /([0-9a-f]{40}) refs\/heads\/main/.exec(advert)![1]
    const want = `want ${head} ofs-delta\n`
    const body = `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`
    const res = await b.request(`/git/${githubHost}/ada/secret.git/git-upload-pack`, { method: 'POST', body, headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' } })
    expect(res.status).toBe(200)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(new TextDecoder().decode(bytes.slice(0, 8))).toBe('0008NAK\n')
    expect(new TextDecoder().decode(bytes.slice(8, 12))).toBe('PACK')
  })

  it('refuses hosts off the allow-list, malformed paths and other endpoints with clear 4xx', async () => {
    const b = browser(config)
    const cases: Array<[string, RequestInit, number, RegExp]> = [
      ['/git/evil.example/o/r.git/info/refs?service=git-upload-pack', {}, 403, /not a git host this server may reach/],
      [`/git/${githubHost}/ada/secret.git/info/refs?service=git-upload-archive`, {}, 400, /service=git-upload-pack/],
      [`/git/${githubHost}/ada/secret.git/info/refs`, { method: 'POST', body: 'x' }, 405, /GET/],
      [`/git/${githubHost}/ada/secret.git/objects/info/packs`, {}, 404, /smart HTTP/],
      [`/git/${githubHost}/ada%2F..%2Feve/x.git/info/refs?service=git-upload-pack`, {}, 400, /"\.\."/],
      [`/git/user@${githubHost}/ada/secret.git/info/refs?service=git-upload-pack`, {}, 400, /credentials/],
      ['/git/', {}, 400, /Malformed/],
    ]
    for (const [path, init, status, message] of cases) {
      const res = await b.request(path, init)
      expect(res.status, path).toBe(status)
      expect(((await res.json()) as { error: { message: string } }).error.message, path).toMatch(message)
    }
  })

  it('refuses a push bigger than the limit before sending anything upstream', async () => {
    const b = browser({ ...config, GIT_MAX_PUSH_BYTES: '1000' })
    await signInWithGitHub(b)
    const res = await b.request(`/git/${githubHost}/ada/secret.git/git-receive-pack`, { method: 'POST', body: new Uint8Array(5000), headers: { 'content-type': 'application/x-git-receive-pack-request', 'content-length': '5000' } })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/GIT_MAX_PUSH_BYTES/)
  })

  it('uses a token the user saved for another git host (GitLab, Gitea, self-hosted), and only for that user', async () => {
    // The stand-in as "another host": GitHub is elsewhere, the stand-in's origin is in GIT_HOSTS.
    const other = { GIT_HOSTS: github.url, GITHUB_WEB_URL: 'https://github.example', GITHUB_CLIENT_ID: undefined }
    const b = browser(other)
    await signInByEmail(b, 'ada@example.com')
    const hosts = (await (await b.request('/api/git/hosts')).json()) as { hosts: Array<{ host: string; github: boolean; credentials: boolean }> }
    expect(hosts.hosts).toContainEqual({ url: github.url, host: githubHost, github: false, credentials: false })
    expect((await b.request(refs('secret'))).status).toBe(401)

    const bad = await b.json(`/api/git/tokens/${githubHost}`, 'PUT', { token: 'has spaces in it' })
    expect(bad.status).toBe(400)
    const offList = await b.json('/api/git/tokens/evil.example', 'PUT', { token: 'x' })
    expect(offList.status).toBe(400)
    expect((await b.json(`/api/git/tokens/${githubHost}`, 'PUT', { token: github.token, username: 'ada' })).status).toBe(200)
    const stored = await env.DB.prepare('SELECT token_ciphertext FROM host_tokens').first<{ token_ciphertext: string }>()
    expect(stored!.token_ciphertext).not.toContain(github.token)
    expect((await b.request(refs('secret'))).status).toBe(200)

    const eve = browser(other)
    await signInByEmail(eve, 'eve@example.com')
    expect((await eve.request(refs('secret'))).status).toBe(401)

    expect((await b.request(`/api/git/tokens/${githubHost}`, { method: 'DELETE' })).status).toBe(200)
    expect((await b.request(refs('secret'))).status).toBe(401)
  })

  it('streams what the host sends as it comes, and keeps its time and size limits with clear errors', async () => {
    const awkward = inject('awkwardGitHost')
    const host = new URL(awkward).host
    const b = browser({ ...config, GIT_HOSTS: awkward, GIT_TIMEOUT_SECONDS: '1', GIT_MAX_FETCH_BYTES: '100000' })
    const path = (name: string) => `/git/${host}/${name}/r.git/info/refs?service=git-upload-pack`

    const streamed = await b.request(path('stream'))
    expect(streamed.status).toBe(200)
    const reader = streamed.body!.getReader()
    // The first piece arrives while the host still holds the rest back: nothing is buffered.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first piece\n')
    await fetch(`${awkward}/release`)
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
    expect(rest).toBe('second piece\n')

    const hung = await b.request(path('hang'))
    expect(hung.status).toBe(504)
    expect(((await hung.json()) as { error: { message: string } }).error.message).toMatch(/did not answer within 1 s \(GIT_TIMEOUT_SECONDS\)/)
    const big = await b.request(path('big'))
    expect(big.status).toBe(413)
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/GIT_MAX_FETCH_BYTES/)
  })

  it('does not lend the session’s token to another site', async () => {
    const b = browser(config)
    await signInWithGitHub(b)
    const res = await b.request(`/git/${githubHost}/ada/secret.git/git-upload-pack`, { method: 'POST', body: '0000', origin: 'https://evil.example' })
    expect(res.status).toBe(403)
  })
})

describe('GitHub REST through the edge', () => {
  it('lists the user’s repositories and opens a pull request from a branch that exists', async () => {
    const b = browser(config)
    await signInWithGitHub(b)
    const repos = (await (await b.request('/api/github/repos')).json()) as { repos: Array<{ fullName: string; private: boolean }> }
    expect(repos.repos.map((r) => r.fullName).sort()).toEqual(['ada/public', 'ada/secret'])
    const pr = await b.json('/api/github/repos/ada/secret/pulls', 'POST', { title: 'Fix it', body: 'Tests pass.', head: 'coder/fix', base: 'main', draft: true })
    expect(pr.status).toBe(201)
    const created = (await pr.json()) as { number: number; url: string; head: string; base: string; draft: boolean }
    expect(created).toMatchObject({ head: 'coder/fix', base: 'main', draft: true, url: `${github.url}/ada/secret/pull/${created.number}` })
    const comment = await b.json(`/api/github/repos/ada/secret/issues/${created.number}/comments`, 'POST', { body: 'Run: 4 passed' })
    expect(comment.status).toBe(201)
    const labels = await b.json(`/api/github/repos/ada/secret/issues/${created.number}/labels`, 'POST', { labels: ['coder'] })
    expect(await labels.json()).toEqual({ labels: ['coder'] })
    const checks = await b.request('/api/github/repos/ada/secret/commits/coder%2Ffix/checks')
    expect(checks.status).toBe(200)
  })

  it('turns GitHub’s errors into messages: missing head (422), unknown repository (404), rate limit (with its reset time)', async () => {
    const b = browser(config)
    await signInWithGitHub(b)
    const missing = await b.json('/api/github/repos/ada/secret/pulls', 'POST', { title: 'x', head: 'coder/nope', base: 'main' })
    expect(missing.status).toBe(422)
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^GitHub refused opening the pull request: .*head/i)
    const unknown = await b.json('/api/github/repos/ada/nope/pulls', 'POST', { title: 'x', head: 'coder/fix', base: 'main' })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/does not exist, or your GitHub account cannot see it/)
    await control('/rate-limit/exhaust?seconds=600')
    const limited = await b.request('/api/github/repos')
    expect(limited.status).toBe(429)
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(/rate limit is used up; it resets at \d\d:\d\d UTC \(in \d+ min\)\. Try again then\./)
  })

  it('answers bad input and missing sign-in with clear 4xx, calling nothing', async () => {
    const signedOut = await browser(config).request('/api/github/repos')
    expect(signedOut.status).toBe(401)
    const b = browser(config)
    await signInWithGitHub(b)
    const bad: Array<[string, unknown, RegExp]> = [
      ['/api/github/repos/ada/secret/pulls', { head: 'coder/fix', base: 'main' }, /title is missing/],
      ['/api/github/repos/ada/secret/pulls', { title: 'x', head: 'a..b', base: 'main' }, /branch names/],
      ['/api/github/repos/a%20b/secret/pulls', { title: 'x', head: 'coder/fix', base: 'main' }, /not a GitHub repository name/],
      ['/api/github/repos/ada/secret/issues/0/comments', { body: 'x' }, /positive integer/],
      ['/api/github/repos/ada/secret/issues/1/labels', { labels: 'coder' }, /list of label names/],
    ]
    for (const [path, body, message] of bad) {
      const res = await b.json(path, 'POST', body)
      expect(res.status, path).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message, path).toMatch(message)
    }
  })
})
