/**
 * @module What the workflow tests do on "GitHub" (the stand-in, standins/github, started by the
 * edge project's globalSetup): sign in through its OAuth consent page as any user, create
 * repositories and write files through its REST API (real commits in real bare repositories),
 * and deliver webhook events to the edge signed as GitHub signs them. Each of those is a git
 * commit or an HTTP round trip to another process, hence the tests' longer timeouts.
 */
import { env } from 'cloudflare:workers'
import { sign } from '@octokit/webhooks-methods'
import { expect, inject } from 'vitest'
import type { TestBrowser } from '../../test/browser'

export const github = inject('github')
export const WEBHOOK_SECRET = 'workflow-webhook-test-secret'
/** The edge's bindings for these tests: the stand-in as GitHub, and the webhook's secret. */
export const config = {
  GITHUB_WEB_URL: github.url,
  GITHUB_API_URL: github.apiUrl,
  GITHUB_CLIENT_ID: 'edge-test-client',
  GITHUB_CLIENT_SECRET: 'edge-test-secret',
  GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
}

/**
 * Signs `b` in with GitHub as `login`, choosing the user on the stand-in's consent page as a
 * person would (the stand-in's auto-approve knob is left alone: other test files share it).
 */
export async function signInWithGitHub(b: TestBrowser, login: string): Promise<void> {
  const start = await b.request('/api/auth/github/start?next=%2F')
  expect(start.status).toBe(302)
  const authorize = new URL(start.headers.get('location')!)
  const form = new URLSearchParams(authorize.searchParams)
  form.set('login', login)
  form.set('authorize', '1')
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, { method: 'POST', body: form, redirect: 'manual' })
  expect(consent.status).toBe(302)
  const back = new URL(consent.headers.get('location')!)
  const done = await b.request(`${back.pathname}${back.search}`)
  expect(done.status, await done.clone().text()).toBe(302)
}

/** The GitHub user who owns the repositories these tests create (ada's list of repositories stays as edge/github.test.ts expects it). */
export const OWNER = 'eve'
let ownerToken: Promise<string> | null = null

/** A token of OWNER's, got as any OAuth app gets one: the consent page's form, then the code exchanged for a token. */
function tokenOfOwner(): Promise<string> {
  ownerToken ??= (async () => {
    const consent = await fetch(`${github.url}/login/oauth/authorize`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: config.GITHUB_CLIENT_ID, scope: 'repo user', state: 'tests', login: OWNER, authorize: '1' }),
      redirect: 'manual',
    })
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!
    const exchange = await fetch(`${github.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ client_id: config.GITHUB_CLIENT_ID, client_secret: config.GITHUB_CLIENT_SECRET, code }),
    })
    return ((await exchange.json()) as { access_token: string }).access_token
  })()
  return ownerToken
}

/** Calls the stand-in's REST API as OWNER. */
export async function gitHubApi<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await tokenOfOwner()
  const res = await fetch(`${github.apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = (await res.json()) as T
  if (!res.ok) throw new Error(`GitHub stand-in: ${method} ${path} answered ${res.status}: ${JSON.stringify(data)}`)
  return data
}

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)))

/** Creates, changes (`content`) or deletes (`null`) a file on `branch` (default: the default branch) in one commit. */
export async function writeFile(repo: string, path: string, content: string | null, branch?: string): Promise<void> {
  const query = branch ? `?ref=${encodeURIComponent(branch)}` : ''
  const existing = await fetch(`${github.apiUrl}/repos/${repo}/contents/${path}${query}`, { headers: { authorization: `token ${await tokenOfOwner()}` } })
  const sha = existing.ok ? ((await existing.json()) as { sha: string }).sha : undefined
  if (content === null) {
    await gitHubApi('DELETE', `/repos/${repo}/contents/${path}`, { message: `Remove ${path}`, sha, ...(branch ? { branch } : {}) })
  } else {
    await gitHubApi('PUT', `/repos/${repo}/contents/${path}`, { message: `Write ${path}`, content: base64(content), ...(sha ? { sha } : {}), ...(branch ? { branch } : {}) })
  }
}

/** A new public repository of OWNER's (a fresh name each time: the stand-in is shared by every test file) with these files. */
export async function createRepo(files: Record<string, string>): Promise<string> {
  const name = `workflows-${crypto.randomUUID().slice(0, 8)}`
  await gitHubApi('POST', '/user/repos', { name, auto_init: true })
  const repo = `${OWNER}/${name}`
  for (const [path, content] of Object.entries(files)) await writeFile(repo, path, content)
  return repo
}

/** POSTs `payload` to the edge's GitHub webhook as GitHub would: signed with `secret`, with a delivery id. */
export async function deliver(b: TestBrowser, event: string, payload: unknown, options: { delivery?: string; secret?: string | null; signature?: string } = {}): Promise<Response> {
  const body = JSON.stringify(payload)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? crypto.randomUUID(),
  }
  const secret = options.secret === undefined ? WEBHOOK_SECRET : options.secret
  if (options.signature) headers['x-hub-signature-256'] = options.signature
  else if (secret !== null) headers['x-hub-signature-256'] = await sign(secret, body)
  // GitHub sends no Origin: the webhook is exempt from the CSRF check because it is signed.
  return b.request('/api/github/webhook', { method: 'POST', body, headers, origin: null })
}

/** Forgets every workflow connection, file, setting, run index row, delivery and schedule firing. */
export async function resetWorkflows(): Promise<void> {
  await env.DB.exec(
    'DELETE FROM workflow_repos; DELETE FROM workflow_files; DELETE FROM workflow_settings; DELETE FROM workflow_runs; DELETE FROM webhook_deliveries; DELETE FROM schedule_fires;',
  )
}

/** The body of an error answer. */
export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error
}
