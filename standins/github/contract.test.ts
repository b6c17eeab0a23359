// The stand-in's shapes are GitHub's: every operation it serves is called through @octokit/rest and
// its request and response bodies (errors included) are validated against GitHub's published
// OpenAPI description (@octokit/openapi), as are the webhook payloads it delivers.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { Octokit } from '@octokit/rest'
import { servedOperations, startGitHubStandIn, type GitHubStandIn } from './index.ts'

// ajv-formats is CommonJS with its function as `default`.

// Octokit logs every failed request; the failures here are on purpose.
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv

type Spec = {
  paths: Record<string, Record<string, Operation>>
  'x-webhooks': Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>
}
type Operation = { requestBody?: unknown; responses: Record<string, unknown> }

const specPath = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json')

/**
 * OpenAPI 3.0's `nullable` as GitHub's description means it, in terms ajv understands: without a
 * `type` (which ajv refuses) it becomes `anyOf: [schema, null]`; with an `enum`, null joins the
 * enum (GitHub sends `"state_reason": null` for open issues).
 */
function fixNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(fixNullable)
  if (!node || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  for (const value of Object.values(schema)) fixNullable(value)
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null)
  if (schema.nullable === true && schema.type === undefined) {
    const { nullable: _, ...rest } = schema
    for (const key of Object.keys(schema)) delete schema[key]
    schema.anyOf = [rest, { type: 'null' }]
  }
}

/** The node at a `#/…` JSON pointer of `doc`. */
function at(doc: unknown, location: string): unknown {
  return location
    .split('/')
    .slice(1)
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc)
}

/**
 * The part of `doc` reachable from `roots` through `$ref`s, at the same pointers: ajv then indexes a
 * few hundred kilobytes instead of GitHub's whole 13 MB description.
 */
function reachable(doc: unknown, roots: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const queue = [...roots]
  const seen = new Set<string>()
  while (queue.length) {
    const location = queue.pop()!
    if (seen.has(location)) continue
    seen.add(location)
    const node = at(doc, location)
    if (node === undefined) continue
    const keys = location.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    let parent = out
    for (const key of keys.slice(0, -1)) parent = (parent[key] ??= {}) as Record<string, unknown>
    parent[keys[keys.length - 1]] = node
    JSON.stringify(node, (key, value) => {
      if (key === '$ref' && typeof value === 'string') queue.push(value)
      return value
    })
  }
  return out
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

let spec: Spec
let ajv: Ajv
const validators = new Map<string, ValidateFunction | null>()

/** Follows a `$ref` (within the description) to the JSON pointer it names; `location` is returned when there is none. */
function deref(location: string): string {
  let node = at(spec, location)
  let target = location
  while (node && typeof node === 'object' && '$ref' in node) {
    target = String((node as { $ref: string }).$ref)
    node = at(spec, target)
  }
  return target
}

/** The validator for the schema at `location` (a `#/…` pointer into the description), or null when there is no such schema. */
function validatorAt(location: string): ValidateFunction | null {
  if (!validators.has(location)) {
    validators.set(location, at(spec, location) === undefined ? null : ajv.compile({ $ref: `github${location}` }))
  }
  return validators.get(location)!
}

function responseValidator(method: string, path: string, status: number): ValidateFunction | null {
  const op = spec.paths[path]?.[method.toLowerCase()]
  if (!op) throw new Error(`${method} ${path} is not an operation of GitHub's REST API`)
  if (!op.responses[String(status)]) return null
  const response = deref(`#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status))}`)
  return validatorAt(`${response}/content/application~1json/schema`)
}

function requestValidator(method: string, path: string): ValidateFunction | null {
  const op = spec.paths[path]?.[method.toLowerCase()]
  if (!op?.requestBody) return null
  return validatorAt(`${deref(`#/${pointer('paths', path, method.toLowerCase(), 'requestBody')}`)}/content/application~1json/schema`)
}

function explain(v: ValidateFunction): string {
  return JSON.stringify(v.errors?.slice(0, 8), null, 1)
}

/** The OpenAPI path of a request: Octokit names it, except for pages after the first (`Link` URLs). */
function templateOf(method: string, url: string): string {
  if (!url.startsWith('http')) return url
  const path = new URL(url).pathname.slice(new URL(gh.apiUrl).pathname.length)
  const op = servedOperations.find((o) => {
    const [m, template] = o.split(' ')
    return m === method && new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(path)
  })
  if (!op) throw new Error(`${method} ${url} is not a served operation`)
  return op.split(' ')[1]
}

/** Operations whose success responses were validated, as `METHOD /path`. */
const validated = new Set<string>()
/** Every response checked, success or error: `METHOD /path STATUS`. */
const checked: string[] = []

/** An Octokit whose every request and response is checked against the description. */
function client(auth?: string): Octokit {
  const octokit = new Octokit({ baseUrl: gh.apiUrl, auth, log: quiet })
  octokit.hook.wrap('request', async (request, options) => {
    const method = String(options.method)
    const path = templateOf(method, String(options.url))
    const parsed = octokit.request.endpoint.parse(options)
    const requestSchema = requestValidator(method, path)
    if (requestSchema && parsed.body !== undefined && !requestSchema(parsed.body)) {
      throw new Error(`request body of ${method} ${path} is not GitHub's shape: ${explain(requestSchema)}`)
    }
    const check = (status: number, data: unknown) => {
      const v = responseValidator(method, path, status)
      if (!v) throw new Error(`GitHub's description has no ${status} response for ${method} ${path}`)
      if (!v(data)) throw new Error(`${status} response of ${method} ${path} is not GitHub's shape: ${explain(v)}\n${JSON.stringify(data).slice(0, 400)}`)
      checked.push(`${method} ${path} ${status}`)
    }
    try {
      const response = await request(options)
      check(response.status, response.data)
      validated.add(`${method} ${path}`)
      return response
    } catch (error) {
      const status = (error as { status?: number }).status
      const response = (error as { response?: { data: unknown } }).response
      if (status && response) check(status, response.data)
      throw error
    }
  })
  return octokit
}

/** The webhook events the tests below cause. */
const WEBHOOKS = ['issue-comment-created', 'issues-labeled', 'issues-opened', 'pull-request-labeled', 'pull-request-opened', 'push']

let gh: GitHubStandIn
let receiver: Server
const payloads: Array<{ event: string; body: Record<string, unknown> }> = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      payloads.push({ event: String(req.headers['x-github-event']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const [, standIn] = await Promise.all([
    (async () => {
      const full = JSON.parse(readFileSync(specPath, 'utf8'))
      const roots = [
        ...servedOperations.map((op) => `#/${pointer('paths', op.split(' ')[1], op.split(' ')[0].toLowerCase())}`),
        ...WEBHOOKS.map((name) => `#/${pointer('x-webhooks', name)}`),
      ]
      spec = reachable(full, roots) as Spec
      fixNullable(spec)
      ajv = new Ajv({ strict: false, validateSchema: false, logger: false, inlineRefs: false, code: { optimize: false } })
      addFormats(ajv)
      ajv.addSchema(spec as object, 'github')
    })(),
    startGitHubStandIn({
      users: [
        { login: 'octo', name: 'Octo Cat', email: 'octo@example.com' },
        { login: 'friend', email: 'friend@example.com' },
      ],
      repos: [
        { owner: 'octo', name: 'app', description: 'An app', branches: { feature: { 'src/feature.ts': 'export const feature = 1\n' } }, collaborators: ['friend'] },
        { owner: 'octo', name: 'private-app', private: true },
        { owner: 'friend', name: 'notes' },
      ],
      tokens: [
        { token: 'octo-token', login: 'octo' },
        { token: 'friend-token', login: 'friend', scopes: ['public_repo', 'read:user'] },
      ],
      webhooks: [{ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'contract-secret' }],
    }),
  ])
  gh = standIn
}, 30_000)

afterAll(async () => {
  await gh?.close()
  await new Promise((resolve) => receiver?.close(resolve))
})

describe('GitHub stand-in against GitHub’s OpenAPI description', () => {
  it('serves only operations GitHub has, under their real paths', () => {
    for (const op of servedOperations) {
      const [method, path] = op.split(' ')
      expect(spec.paths[path]?.[method.toLowerCase()], op).toBeDefined()
    }
  })

  it('users: the authenticated user, e-mails, repositories with pagination', async () => {
    const octo = client('octo-token')
    const me = await octo.rest.users.getAuthenticated()
    expect(me.data).toMatchObject({ login: 'octo', name: 'Octo Cat', html_url: `${gh.url}/octo` })
    expect(me.headers['x-oauth-scopes']).toBe('repo, user, workflow')
    expect(me.headers['x-github-request-id']).toMatch(/^[0-9A-F]{4}:/)

    const emails = await octo.rest.users.listEmailsForAuthenticatedUser()
    expect(emails.data.find((e) => e.primary)?.email).toBe('octo@example.com')

    const all = await octo.rest.repos.listForAuthenticatedUser({ per_page: 1 })
    expect(all.data.map((r) => r.full_name)).toEqual(['octo/app'])
    expect(all.headers.link).toContain('rel="next"')
    const everything = await octo.paginate(octo.rest.repos.listForAuthenticatedUser, { per_page: 1 })
    expect(everything.map((r) => r.full_name)).toEqual(['octo/app', 'octo/private-app'])
    const privateOnly = await octo.rest.repos.listForAuthenticatedUser({ visibility: 'private' })
    expect(privateOnly.data.map((r) => r.full_name)).toEqual(['octo/private-app'])

    const friend = await client('friend-token').rest.repos.listForAuthenticatedUser({ affiliation: 'collaborator' })
    expect(friend.data.map((r) => r.full_name)).toEqual(['octo/app'])
    expect(friend.data[0].permissions).toMatchObject({ push: true, admin: false })
  })

  it('repositories, branches and refs', async () => {
    const octo = client('octo-token')
    const repo = await octo.rest.repos.get({ owner: 'octo', repo: 'app' })
    expect(repo.data).toMatchObject({ full_name: 'octo/app', default_branch: 'main', clone_url: `${gh.url}/octo/app.git`, private: false })

    const branch = await octo.rest.repos.getBranch({ owner: 'octo', repo: 'app', branch: 'feature' })
    const ref = await octo.rest.git.getRef({ owner: 'octo', repo: 'app', ref: 'heads/feature' })
    expect(ref.data.object.sha).toBe(branch.data.commit.sha)
    expect(branch.data.commit.commit.message).toBe('Change src/feature.ts')

    const main = await octo.rest.git.getRef({ owner: 'octo', repo: 'app', ref: 'heads/main' })
    const created = await octo.rest.git.createRef({ owner: 'octo', repo: 'app', ref: 'refs/heads/from-api', sha: main.data.object.sha })
    expect(created.status).toBe(201)
    expect(created.data.ref).toBe('refs/heads/from-api')

    // Errors are GitHub's too (checked against each operation's error responses).
    await expect(octo.rest.git.createRef({ owner: 'octo', repo: 'app', ref: 'refs/heads/from-api', sha: main.data.object.sha })).rejects.toMatchObject({ status: 422 })
    await expect(octo.rest.repos.getBranch({ owner: 'octo', repo: 'app', branch: 'nope' })).rejects.toMatchObject({ status: 404 })
    await expect(octo.rest.git.getRef({ owner: 'octo', repo: 'app', ref: 'heads/nope' })).rejects.toMatchObject({ status: 404 })
    await expect(client('friend-token').rest.repos.get({ owner: 'octo', repo: 'private-app' })).rejects.toMatchObject({ status: 404 })
  })

  it('pull requests, issues, labels and comments', async () => {
    const octo = client('octo-token')
    const pr = await octo.rest.pulls.create({ owner: 'octo', repo: 'app', title: 'Add feature', body: 'It adds a feature.', head: 'feature', base: 'main' })
    expect(pr.status).toBe(201)
    expect(pr.data).toMatchObject({ number: 1, state: 'open', commits: 1, additions: 1, changed_files: 1, mergeable: true, head: { ref: 'feature' }, base: { ref: 'main' } })
    expect(pr.data.html_url).toBe(`${gh.url}/octo/app/pull/1`)

    const again = await octo.rest.pulls.get({ owner: 'octo', repo: 'app', pull_number: 1 })
    expect(again.data.head.sha).toBe(pr.data.head.sha)
    const open = await octo.rest.pulls.list({ owner: 'octo', repo: 'app', head: 'octo:feature' })
    expect(open.data.map((p) => p.number)).toEqual([1])

    const missing = await octo.rest.pulls.create({ owner: 'octo', repo: 'app', title: 'x', head: 'no-such-branch', base: 'main' }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ status: 422, response: { data: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] } } })

    const issue = await client('friend-token').rest.issues.create({ owner: 'octo', repo: 'app', title: 'It breaks', body: 'Steps…' })
    expect(issue.data).toMatchObject({ number: 2, title: 'It breaks', user: { login: 'friend' } })
    const labels = await octo.rest.issues.addLabels({ owner: 'octo', repo: 'app', issue_number: 2, labels: ['bug', 'coder'] })
    expect(labels.data.map((l) => l.name)).toEqual(['bug', 'coder'])
    await octo.rest.issues.addLabels({ owner: 'octo', repo: 'app', issue_number: 1, labels: [{ name: 'enhancement' }] } as never)
    const comment = await octo.rest.issues.createComment({ owner: 'octo', repo: 'app', issue_number: 1, body: 'Tests pass.' })
    expect(comment.data.html_url).toBe(`${gh.url}/octo/app/pull/1#issuecomment-${comment.data.id}`)
    const comments = await octo.rest.issues.listComments({ owner: 'octo', repo: 'app', issue_number: 1 })
    expect(comments.data.map((c) => [c.id, c.body])).toEqual([[comment.data.id, 'Tests pass.']])

    const issues = await octo.rest.issues.listForRepo({ owner: 'octo', repo: 'app', labels: 'bug' })
    expect(issues.data.map((i) => i.number)).toEqual([2])
    const both = await octo.rest.issues.listForRepo({ owner: 'octo', repo: 'app' })
    expect(both.data.map((i) => [i.number, !!i.pull_request])).toEqual([[2, false], [1, true]])

    await expect(octo.rest.issues.createComment({ owner: 'octo', repo: 'app', issue_number: 99, body: 'x' })).rejects.toMatchObject({ status: 404 })
  })

  it('creates repositories and reads and writes files through the contents API', async () => {
    const octo = client('octo-token')
    const created = await octo.rest.repos.createForAuthenticatedUser({ name: 'contents', auto_init: true, private: true })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({ full_name: 'octo/contents', private: true, default_branch: 'main', permissions: { push: true } })
    await expect(octo.rest.repos.createForAuthenticatedUser({ name: 'contents' })).rejects.toMatchObject({ status: 422 })

    const text = 'name: Fix\non: manual\n'.repeat(10)
    const put = await octo.rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'contents', path: '.coder/workflows/fix.yml', message: 'Add a workflow', content: Buffer.from(text).toString('base64') })
    expect(put.status).toBe(201)
    expect(put.data.content).toMatchObject({ path: '.coder/workflows/fix.yml', name: 'fix.yml', size: text.length })
    expect(put.data.commit.message).toBe('Add a workflow')
    expect(put.data.commit.author).toMatchObject({ name: 'Octo Cat', email: 'octo@example.com' })

    const file = await octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '.coder/workflows/fix.yml' })
    if (Array.isArray(file.data) || file.data.type !== 'file') throw new Error('expected a file')
    expect(file.data).toMatchObject({ encoding: 'base64', sha: put.data.content!.sha, size: text.length })
    expect(Buffer.from(file.data.content, 'base64').toString('utf8')).toBe(text)
    // Updating needs the blob being replaced; a stale one is a conflict.
    await expect(octo.rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'contents', path: '.coder/workflows/fix.yml', message: 'x', content: 'eA==' })).rejects.toMatchObject({ status: 422 })
    // (GitHub's description gives 409 a `oneOf` that every error body matches twice, so this one is not schema-checked.)
    const stale = await fetch(`${gh.apiUrl}/repos/octo/contents/contents/.coder/workflows/fix.yml`, {
      method: 'PUT',
      headers: { Authorization: 'token octo-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'x', content: 'eA==', sha: '0'.repeat(40) }),
    })
    expect(stale.status).toBe(409)
    expect(((await stale.json()) as { message: string }).message).toBe(`.coder/workflows/fix.yml does not match ${'0'.repeat(40)}`)
    const updated = await octo.rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'contents', path: '.coder/workflows/fix.yml', message: 'Change it', content: 'eA==', sha: put.data.content!.sha })
    expect(updated.status).toBe(200)
    expect(updated.data.commit.parents?.map((p) => p.sha)).toEqual([put.data.commit.sha])
    await octo.rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'contents', path: '.coder/workflows/other.json', message: 'Another', content: 'e30=', branch: 'main' })

    const dir = await octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '.coder/workflows' })
    expect(Array.isArray(dir.data) && dir.data.map((e) => [e.type, e.name])).toEqual([['file', 'fix.yml'], ['file', 'other.json']])
    const root = await octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '' })
    expect(Array.isArray(root.data) && root.data.map((e) => [e.type, e.path])).toEqual([['dir', '.coder'], ['file', 'README.md']])
    // An older commit still has the first version.
    const old = await octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '.coder/workflows/fix.yml', ref: put.data.commit.sha! })
    expect(!Array.isArray(old.data) && old.data.sha).toBe(put.data.content!.sha)

    const deleted = await octo.rest.repos.deleteFile({ owner: 'octo', repo: 'contents', path: '.coder/workflows/other.json', message: 'Remove', sha: (await octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '.coder/workflows/other.json' }).then((r) => (r.data as { sha: string }).sha)) })
    expect(deleted.data.content).toBeNull()
    await expect(octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: '.coder/workflows/other.json' })).rejects.toMatchObject({ status: 404 })
    await expect(octo.rest.repos.getContent({ owner: 'octo', repo: 'contents', path: 'README.md', ref: 'no-such-branch' })).rejects.toMatchObject({ status: 404 })
    // Someone who may read but not push cannot write.
    await expect(client('friend-token').rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'private-app', path: 'x', message: 'x', content: 'eA==' })).rejects.toMatchObject({ status: 404 })

    // A repository created without auto_init is empty until the first file is written.
    await octo.rest.repos.createForAuthenticatedUser({ name: 'empty' })
    await expect(octo.rest.repos.getContent({ owner: 'octo', repo: 'empty', path: '' })).rejects.toMatchObject({ status: 404, response: { data: { message: 'This repository is empty.' } } })
    await octo.rest.repos.createOrUpdateFileContents({ owner: 'octo', repo: 'empty', path: 'a.txt', message: 'First', content: 'YQ==' })
    expect((await octo.rest.repos.getBranch({ owner: 'octo', repo: 'empty', branch: 'main' })).data.commit.commit.message).toBe('First')
  }, 30_000)

  it('refuses request bodies GitHub’s description refuses, with GitHub’s 422', async () => {
    const cases = [
      { path: '/repos/{owner}/{repo}/pulls', url: '/repos/octo/app/pulls', body: { title: 'No head', base: 'main' } },
      { path: '/repos/{owner}/{repo}/issues', url: '/repos/octo/app/issues', body: { body: 'No title' } },
      { path: '/repos/{owner}/{repo}/git/refs', url: '/repos/octo/app/git/refs', body: { ref: 'refs/heads/no-sha' } },
      { path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', url: '/repos/octo/app/issues/1/comments', body: {} },
      { path: '/repos/{owner}/{repo}/issues/{issue_number}/labels', url: '/repos/octo/app/issues/1/labels', body: { labels: 'bug' } },
    ]
    for (const c of cases) {
      expect(requestValidator('POST', c.path)!(c.body), `GitHub's schema for ${c.path} accepts ${JSON.stringify(c.body)}`).toBe(false)
      const response = await fetch(`${gh.apiUrl}${c.url}`, {
        method: 'POST',
        headers: { Authorization: 'token octo-token', 'Content-Type': 'application/json' },
        body: JSON.stringify(c.body),
      })
      expect(response.status, c.path).toBe(422)
      const body = (await response.json()) as { documentation_url: string }
      const v = responseValidator('POST', c.path, 422)!
      if (!v(body)) throw new Error(`422 of ${c.path} is not GitHub's shape: ${explain(v)}`)
      expect(body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//)
    }
  })

  it('refuses shapes that are not GitHub’s (the check can fail)', async () => {
    const pr = (await client('octo-token').rest.pulls.get({ owner: 'octo', repo: 'app', pull_number: 1 })).data as unknown as Record<string, unknown>
    const v = responseValidator('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', 200)!
    expect(v(pr)).toBe(true)
    const { head: _, ...headless } = pr
    expect(v(headless)).toBe(false)
    expect(v({ ...pr, number: '1' })).toBe(false)
  })

  it('checks and statuses', async () => {
    const octo = client('octo-token')
    const repo = gh.state.repo('octo', 'app')!
    const sha = (await octo.rest.git.getRef({ owner: 'octo', repo: 'app', ref: 'heads/feature' })).data.object.sha
    gh.state.addCheckRun(repo, { headSha: sha, name: 'test', conclusion: 'failure', title: '1 failed', summary: 'parse.test.ts failed' })
    gh.state.addStatus(repo, { sha, state: 'success', context: 'ci/build' })

    const runs = await octo.rest.checks.listForRef({ owner: 'octo', repo: 'app', ref: 'feature' })
    expect(runs.data.total_count).toBe(1)
    expect(runs.data.check_runs[0]).toMatchObject({ name: 'test', status: 'completed', conclusion: 'failure', head_sha: sha })
    const status = await octo.rest.repos.getCombinedStatusForRef({ owner: 'octo', repo: 'app', ref: sha })
    expect(status.data).toMatchObject({ state: 'success', total_count: 1, sha })
  })

  it('errors: bad credentials, no authentication, rate limit', async () => {
    await expect(client('wrong-token').rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401, response: { data: { message: 'Bad credentials' } } })
    await expect(client().rest.users.getAuthenticated()).rejects.toMatchObject({ status: 401, response: { data: { message: 'Requires authentication' } } })
    gh.state.exhaustRateLimit(60)
    try {
      const limited = await client('octo-token').rest.users.getAuthenticated().catch((e: unknown) => e)
      expect(limited).toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } })
    } finally {
      gh.state.restoreRateLimit()
    }
  })

  it('covers every served operation with a validated success response', () => {
    expect([...validated].sort()).toEqual([...servedOperations].sort())
    expect(checked.filter((c) => !/ 2\d\d$/.test(c)).length).toBeGreaterThanOrEqual(8)
  })

  it('delivers webhook payloads of GitHub’s shape', async () => {
    await gh.deliveriesSettled()
    const kinds = new Set<string>()
    for (const { event, body } of payloads) {
      const name = `${event.replace(/_/g, '-')}${body.action ? `-${body.action}` : ''}`
      kinds.add(name)
      const v = validatorAt(`#/${pointer('x-webhooks', name, 'post', 'requestBody', 'content', 'application/json', 'schema')}`)
      expect(v, `no description of the ${name} webhook`).not.toBeNull()
      if (!v!(body)) throw new Error(`${name} payload is not GitHub's shape: ${explain(v!)}`)
    }
    expect([...kinds].sort()).toEqual(WEBHOOKS)
    expect(gh.state.deliveries.every((d) => d.status === 204)).toBe(true)
  })
})
