/**
 * The stand-in's REST API, at GitHub Enterprise's `/api/v3` base: GitHub's paths, status codes,
 * headers and JSON shapes for the few operations Coder uses. Routes are named by their OpenAPI
 * path templates, so contract.test.ts can check each one against GitHub's description.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { commitFile, createRef, isAncestor, isEmpty, isValidRefName, listRefs, objectExists, readCommit, readPath, resolveCommit, type Signature } from './git.ts'
import { authenticate, readBody, requestId, sendJson } from './http.ts'
import { commentCreated, issueOpened, labelsAdded, pullRequestOpened, refsChanged, type EventContext } from './events.ts'
import { pullFacts } from './pulls.ts'
import * as shapes from './shapes.ts'
import type { Issue, Label, Repo, Token } from './state.ts'

type Json = Record<string, unknown>

/** One API request after authentication and routing. */
interface Call {
  params: Record<string, string>
  query: URLSearchParams
  token: Token | null
  body: unknown
  /** The request URL, for pagination links. */
  url: URL
}

/** What a handler answers. */
interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** GitHub's OpenAPI path template, e.g. `/repos/{owner}/{repo}/pulls`. */
  path: string
  /** The docs page GitHub links from this operation's errors. */
  docs: string
  handle(ctx: EventContext, call: Call): Promise<Reply>
}

const DOCS = 'https://docs.github.com/rest'

/** A GitHub error body: `message`, `documentation_url`, `status` (and `errors` for validation failures). */
function error(status: number, message: string, docs = DOCS, extra: Json = {}): Reply {
  return { status, body: { message, ...extra, documentation_url: docs, status: String(status) } }
}

const notFound = (docs?: string) => error(404, 'Not Found', docs)
const requiresAuth = (docs?: string) => error(401, 'Requires authentication', docs)

/** `422 Validation Failed` with GitHub's `errors` array. */
function validationFailed(docs: string, errors: Json[]): Reply {
  return error(422, 'Validation Failed', docs, { errors })
}

/** What `token`'s user may do in `repo`. */
function permissions(repo: Repo, token: Token | null): shapes.Permissions {
  const user = token?.user
  const owner = !!user && user.id === repo.owner.id
  const member = owner || (!!user && repo.collaborators.has(user.login.toLowerCase()))
  return { admin: owner, maintain: owner, push: member, triage: member, pull: !repo.private || member }
}

/** Whether the token may see `repo` at all (private repositories need the `repo` scope). */
export function canRead(repo: Repo, token: Token | null): boolean {
  if (!repo.private) return true
  return !!token && permissions(repo, token).pull && token.scopes.includes('repo')
}

/** Whether the token may write to `repo` (push, refs, labels). */
export function canWrite(repo: Repo, token: Token | null): boolean {
  if (!token || !permissions(repo, token).push) return false
  return token.scopes.includes('repo') || (!repo.private && token.scopes.includes('public_repo'))
}

function findRepo(ctx: EventContext, call: Call): Repo | null {
  const repo = ctx.state.repo(call.params.owner, call.params.repo)
  return repo && canRead(repo, call.token) ? repo : null
}

function findIssue(repo: Repo, number: string): Issue | undefined {
  return repo.issues.find((i) => String(i.number) === number)
}

/** `per_page` / `page` slicing with GitHub's `Link` header. */
function paginate<T>(call: Call, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(call.query.get('per_page')) || 30))
  const page = Math.max(1, Number(call.query.get('page')) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number, rel: string) => {
    const url = new URL(call.url)
    url.searchParams.set('per_page', String(perPage))
    url.searchParams.set('page', String(n))
    return `<${url}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(page - 1, 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length ? { Link: links.join(', ') } : {} }
}

/** Sorts by `key`, ascending or descending per `direction` (GitHub's query parameter). */
function sortBy<T>(items: T[], key: (item: T) => string | number, direction: string): T[] {
  const sign = direction === 'asc' ? 1 : -1
  return [...items].sort((a, b) => {
    const x = key(a)
    const y = key(b)
    return x < y ? -sign : x > y ? sign : 0
  })
}

function byEmail(ctx: EventContext): shapes.UserByEmail {
  return (email) => [...ctx.state.users.values()].find((u) => u.email?.toLowerCase() === email.toLowerCase())
}

/** The JSON body as an object; null when it is not one (an array, a string, nothing). */
function fields(body: unknown): Json | null {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : null
}

function stringField(body: Json | null, name: string): string | undefined {
  const value = body?.[name]
  return typeof value === 'string' ? value : undefined
}

/** GitHub's complaint about a request body that does not match the operation's schema. */
function invalidRequest(docs: string, detail: string): Reply {
  return error(422, `Invalid request.\n\n${detail}`, docs)
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/user',
    docs: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
    async handle(ctx, call) {
      if (!call.token) return requiresAuth(this.docs)
      const user = call.token.user
      const owned = [...ctx.state.repos.values()].filter((r) => r.owner.id === user.id)
      return {
        status: 200,
        body: shapes.privateUser(ctx.urls, user, {
          publicRepos: owned.filter((r) => !r.private).length,
          privateRepos: owned.filter((r) => r.private).length,
        }),
      }
    },
  },
  {
    method: 'GET',
    path: '/user/emails',
    docs: 'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user',
    async handle(ctx, call) {
      if (!call.token) return requiresAuth(this.docs)
      if (!call.token.scopes.some((s) => s === 'user' || s === 'user:email')) return notFound(this.docs)
      const user = call.token.user
      const noreply = `${user.id}+${user.login}@users.noreply.localhost`
      const emails = [
        ...(user.email ? [{ email: user.email, primary: true, verified: true, visibility: 'public' }] : []),
        { email: noreply, primary: !user.email, verified: true, visibility: null },
      ]
      return { status: 200, body: emails }
    },
  },
  {
    method: 'GET',
    path: '/user/repos',
    docs: 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user',
    async handle(ctx, call) {
      if (!call.token) return requiresAuth(this.docs)
      const q = call.query
      const type = q.get('type')
      if (type && (q.has('visibility') || q.has('affiliation'))) {
        return error(422, "If you specify visibility or affiliation, you cannot specify type.", this.docs)
      }
      const visibility = q.get('visibility') ?? (type === 'public' || type === 'private' ? type : 'all')
      const affiliation = (q.get('affiliation') ?? (type === 'owner' ? 'owner' : type === 'member' ? 'collaborator' : 'owner,collaborator,organization_member')).split(',')
      const user = call.token.user
      const mine = [...ctx.state.repos.values()].filter((repo) => {
        if (!canRead(repo, call.token)) return false
        if (visibility !== 'all' && (visibility === 'private') !== repo.private) return false
        const owner = repo.owner.id === user.id
        const collaborator = repo.collaborators.has(user.login.toLowerCase())
        return (affiliation.includes('owner') && owner) || (affiliation.includes('collaborator') && collaborator)
      })
      const sort = q.get('sort') ?? 'full_name'
      const direction = q.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc')
      const key = (r: Repo) =>
        sort === 'created' ? r.createdAt + String(r.id).padStart(12, '0')
        : sort === 'updated' ? r.updatedAt + String(r.id).padStart(12, '0')
        : sort === 'pushed' ? r.pushedAt + String(r.id).padStart(12, '0')
        : `${r.owner.login}/${r.name}`.toLowerCase()
      const page = paginate(call, sortBy(mine, key, direction))
      return { status: 200, body: page.items.map((r) => shapes.repository(ctx.urls, r, permissions(r, call.token))), headers: page.headers }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    docs: 'https://docs.github.com/rest/repos/repos#get-a-repository',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      return { status: 200, body: shapes.fullRepository(ctx.urls, repo, call.token ? permissions(repo, call.token) : undefined) }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches/{branch}',
    docs: 'https://docs.github.com/rest/branches/branches#get-a-branch',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const sha = await resolveCommit(repo.dir, `refs/heads/${call.params.branch}`)
      if (!sha) return error(404, 'Branch not found', this.docs)
      return { status: 200, body: shapes.branch(ctx.urls, repo, call.params.branch, await readCommit(repo.dir, sha), byEmail(ctx)) }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/ref/{ref}',
    docs: 'https://docs.github.com/rest/git/refs#get-a-reference',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const ref = `refs/${call.params.ref}`
      const sha = (await listRefs(repo.dir)).get(ref)
      if (!sha) return notFound(this.docs)
      return { status: 200, body: shapes.gitRef(ctx.urls, repo, ref, sha) }
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/refs',
    docs: 'https://docs.github.com/rest/git/refs#create-a-reference',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      if (!call.token) return requiresAuth(this.docs)
      if (!canWrite(repo, call.token)) return notFound(this.docs)
      const body = fields(call.body)
      const ref = stringField(body, 'ref')
      const sha = stringField(body, 'sha')
      if (ref === undefined) return invalidRequest(this.docs, '"ref" wasn\'t supplied.')
      if (sha === undefined) return invalidRequest(this.docs, '"sha" wasn\'t supplied.')
      if (!ref.startsWith('refs/') || ref.split('/').length < 3 || !(await isValidRefName(repo.dir, ref))) {
        return error(422, `${ref} is not a valid ref name.`, this.docs)
      }
      if (!(await objectExists(repo.dir, sha))) return error(422, 'Object does not exist', this.docs)
      const before = await listRefs(repo.dir)
      if (!(await createRef(repo.dir, ref, sha))) return error(422, 'Reference already exists', this.docs)
      await refsChanged(ctx, repo, before, await listRefs(repo.dir), call.token.user)
      const shape = shapes.gitRef(ctx.urls, repo, ref, sha)
      return { status: 201, body: shape, headers: { Location: String(shape.url) } }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls',
    docs: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const q = call.query
      const state = q.get('state') ?? 'open'
      const head = q.get('head')
      const base = q.get('base')
      const pulls = repo.issues.filter((i) => {
        if (!i.pull) return false
        if (state !== 'all' && i.state !== state) return false
        if (base && i.pull.baseRef !== base) return false
        if (head) {
          const [owner, ref] = head.includes(':') ? head.split(':', 2) : [repo.owner.login, head]
          if (owner.toLowerCase() !== repo.owner.login.toLowerCase() || i.pull.headRef !== ref) return false
        }
        return true
      })
      const sort = q.get('sort') ?? 'created'
      const key = (i: Issue) => (sort === 'updated' ? i.updatedAt : i.createdAt) + String(i.number).padStart(9, '0')
      const page = paginate(call, sortBy(pulls, key, q.get('direction') ?? 'desc'))
      return { status: 200, body: page.items.map((i) => shapes.pullRequest(ctx.urls, repo, i, null)), headers: page.headers }
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls',
    docs: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      if (!call.token) return requiresAuth(this.docs)
      const body = fields(call.body)
      const missing = ['title', 'head', 'base'].filter((f) => !stringField(body, f))
      if (missing.length) {
        return validationFailed(this.docs, missing.map((field) => ({ resource: 'PullRequest', code: 'missing_field', field })))
      }
      const title = stringField(body, 'title') ?? ''
      const headParam = stringField(body, 'head')!
      const baseRef = stringField(body, 'base')!
      const [headOwner, headRef] = headParam.includes(':') ? headParam.split(':', 2) : [repo.owner.login, headParam]
      const headSha = headOwner.toLowerCase() === repo.owner.login.toLowerCase() ? await resolveCommit(repo.dir, `refs/heads/${headRef}`) : null
      const baseSha = await resolveCommit(repo.dir, `refs/heads/${baseRef}`)
      const invalid = [
        ...(headSha ? [] : [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]),
        ...(baseSha ? [] : [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]),
      ]
      if (!headSha || !baseSha) return validationFailed(this.docs, invalid)
      const existing = repo.issues.find((i) => i.pull && i.state === 'open' && i.pull.headRef === headRef && i.pull.baseRef === baseRef)
      if (existing) {
        return validationFailed(this.docs, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner.login}:${headRef}.` }])
      }
      if (headRef === baseRef || (await isAncestor(repo.dir, headSha, baseSha))) {
        return validationFailed(this.docs, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${baseRef} and ${headRef}` }])
      }
      const now = ctx.state.timestamp()
      const pr: Issue = {
        ...ctx.state.ids('Issue'),
        number: ctx.state.nextNumber(repo),
        title,
        body: stringField(body, 'body') ?? null,
        user: call.token.user,
        labels: [],
        state: 'open',
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        comments: [],
        pull: { ...ctx.state.ids('PullRequest'), headRef, headSha, baseRef, baseSha, draft: body?.draft === true },
      }
      repo.issues.push(pr)
      repo.updatedAt = now
      const shape = shapes.pullRequest(ctx.urls, repo, pr, await pullFacts(ctx.state, repo, pr))
      await pullRequestOpened(ctx, repo, pr, call.token.user)
      return { status: 201, body: shape, headers: { Location: String(shape.url) } }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    docs: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      const pr = repo && findIssue(repo, call.params.pull_number)
      if (!repo || !pr?.pull) return notFound(this.docs)
      return { status: 200, body: shapes.pullRequest(ctx.urls, repo, pr, await pullFacts(ctx.state, repo, pr)) }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues',
    docs: 'https://docs.github.com/rest/issues/issues#list-repository-issues',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const q = call.query
      const state = q.get('state') ?? 'open'
      const labels = (q.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean)
      const since = q.get('since')
      const issues = repo.issues.filter((i) => {
        if (state !== 'all' && i.state !== state) return false
        if (since && i.updatedAt < since) return false
        return labels.every((name) => i.labels.some((l) => l.name.toLowerCase() === name))
      })
      const sort = q.get('sort') ?? 'created'
      const key = (i: Issue) =>
        sort === 'comments' ? i.comments.length * 1e9 + i.number : (sort === 'updated' ? i.updatedAt : i.createdAt) + String(i.number).padStart(9, '0')
      const page = paginate(call, sortBy(issues, key, q.get('direction') ?? 'desc'))
      return { status: 200, body: page.items.map((i) => shapes.issue(ctx.urls, repo, i)), headers: page.headers }
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues',
    docs: 'https://docs.github.com/rest/issues/issues#create-an-issue',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      if (!call.token) return requiresAuth(this.docs)
      const body = fields(call.body)
      const title = body?.title
      if (typeof title !== 'string' && typeof title !== 'number') {
        return validationFailed(this.docs, [{ resource: 'Issue', code: 'missing_field', field: 'title' }])
      }
      // Labels given by someone without push access are dropped silently, as on GitHub.
      const labelNames = canWrite(repo, call.token) ? labelList(body?.labels) ?? [] : []
      const now = ctx.state.timestamp()
      const created: Issue = {
        ...ctx.state.ids('Issue'),
        number: ctx.state.nextNumber(repo),
        title: String(title),
        body: stringField(body, 'body') ?? null,
        user: call.token.user,
        labels: labelNames.map((name) => ctx.state.label(repo, name)),
        state: 'open',
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        comments: [],
        pull: null,
      }
      repo.issues.push(created)
      repo.updatedAt = now
      issueOpened(ctx, repo, created, call.token.user)
      const shape = shapes.issue(ctx.urls, repo, created)
      return { status: 201, body: shape, headers: { Location: String(shape.url) } }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    docs: 'https://docs.github.com/rest/issues/comments#list-issue-comments',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      const target = repo && findIssue(repo, call.params.issue_number)
      if (!repo || !target) return notFound(this.docs)
      return { status: 200, body: target.comments.map((c) => shapes.issueComment(ctx.urls, repo, target, c)) }
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    docs: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      const target = repo && findIssue(repo, call.params.issue_number)
      if (!repo || !target) return notFound(this.docs)
      if (!call.token) return requiresAuth(this.docs)
      const text = stringField(fields(call.body), 'body')
      if (text === undefined) return invalidRequest(this.docs, '"body" wasn\'t supplied.')
      if (!text.trim()) return validationFailed(this.docs, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }])
      const now = ctx.state.timestamp()
      const comment = { ...ctx.state.ids('IssueComment'), body: text, user: call.token.user, createdAt: now, updatedAt: now }
      target.comments.push(comment)
      target.updatedAt = now
      commentCreated(ctx, repo, target, comment, call.token.user)
      const shape = shapes.issueComment(ctx.urls, repo, target, comment)
      return { status: 201, body: shape, headers: { Location: String(shape.url) } }
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    docs: 'https://docs.github.com/rest/issues/labels#add-labels-to-an-issue',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      const target = repo && findIssue(repo, call.params.issue_number)
      if (!repo || !target) return notFound(this.docs)
      if (!call.token) return requiresAuth(this.docs)
      if (!canWrite(repo, call.token)) return notFound(this.docs)
      const body = fields(call.body)
      const names = body ? (Array.isArray(body.labels) ? labelList(body.labels) : null) : labelList(call.body)
      if (!names) return invalidRequest(this.docs, 'No subschema in "anyOf" matched.')
      const added: Label[] = []
      for (const name of names) {
        const l = ctx.state.label(repo, name)
        if (!target.labels.includes(l)) {
          target.labels.push(l)
          added.push(l)
        }
      }
      if (added.length) target.updatedAt = ctx.state.timestamp()
      await labelsAdded(ctx, repo, target, added, call.token.user)
      return { status: 200, body: target.labels.map((l) => shapes.label(ctx.urls, repo, l)) }
    },
  },
  {
    method: 'POST',
    path: '/user/repos',
    docs: 'https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user',
    async handle(ctx, call) {
      if (!call.token) return requiresAuth(this.docs)
      const body = fields(call.body)
      const name = stringField(body, 'name')
      if (name === undefined) return invalidRequest(this.docs, '"name" wasn\'t supplied.')
      const user = call.token.user
      const isPrivate = body?.private === true
      if (!call.token.scopes.includes('repo') && !(call.token.scopes.includes('public_repo') && !isPrivate)) return error(404, 'Not Found', this.docs)
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name) || name === '.' || name === '..') {
        return validationFailed(this.docs, [{ resource: 'Repository', code: 'custom', field: 'name', message: 'name is invalid' }])
      }
      if (ctx.state.repo(user.login, name)) {
        return error(422, 'Repository creation failed.', this.docs, { errors: [{ resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' }] })
      }
      const repo = await ctx.state.addRepo({
        owner: user.login,
        name,
        private: isPrivate,
        description: stringField(body, 'description'),
        empty: body?.auto_init !== true,
        files: { 'README.md': `# ${name}\n` },
      })
      const shape = shapes.fullRepository(ctx.urls, repo, permissions(repo, call.token))
      return { status: 201, body: shape, headers: { Location: String(shape.url) } }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents/{path}',
    docs: 'https://docs.github.com/rest/repos/contents#get-repository-content',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      if (await isEmpty(repo.dir)) return error(404, 'This repository is empty.', this.docs)
      const ref = call.query.get('ref') || repo.defaultBranch
      const sha = await resolveCommit(repo.dir, ref)
      if (!sha) return error(404, `No commit found for the ref ${ref}`, this.docs)
      const found = await readPath(repo.dir, sha, call.params.path)
      if (!found) return notFound(this.docs)
      if (found.kind === 'dir') return { status: 200, body: found.entries.map((e) => shapes.contentEntry(ctx.urls, repo, ref, e)) }
      return { status: 200, body: shapes.contentFile(ctx.urls, repo, ref, found.entry, found.content) }
    },
  },
  {
    method: 'PUT',
    path: '/repos/{owner}/{repo}/contents/{path}',
    docs: 'https://docs.github.com/rest/repos/contents#create-or-update-file-contents',
    async handle(ctx, call) {
      const body = fields(call.body)
      const content = stringField(body, 'content')
      if (stringField(body, 'message') === undefined) return invalidRequest(this.docs, '"message" wasn\'t supplied.')
      if (content === undefined) return invalidRequest(this.docs, '"content" wasn\'t supplied.')
      if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) return invalidRequest(this.docs, 'content is not valid Base64')
      return writeFile(ctx, call, this.docs, Buffer.from(content, 'base64'))
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/contents/{path}',
    docs: 'https://docs.github.com/rest/repos/contents#delete-a-file',
    async handle(ctx, call) {
      const body = fields(call.body)
      if (stringField(body, 'message') === undefined) return invalidRequest(this.docs, '"message" wasn\'t supplied.')
      if (stringField(body, 'sha') === undefined) return invalidRequest(this.docs, '"sha" wasn\'t supplied.')
      return writeFile(ctx, call, this.docs, null)
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    docs: 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const sha = await resolveCommit(repo.dir, call.params.ref)
      if (!sha) return error(422, `No commit found for SHA: ${call.params.ref}`, this.docs)
      const name = call.query.get('check_name')
      const status = call.query.get('status')
      let runs = repo.checkRuns.filter((r) => r.headSha === sha && (!name || r.name === name) && (!status || r.status === status))
      if ((call.query.get('filter') ?? 'latest') === 'latest') {
        const latest = new Map(runs.map((r) => [r.name, r]))
        runs = runs.filter((r) => latest.get(r.name) === r)
      }
      const pulls = repo.issues.filter((i) => i.pull && i.state === 'open' && i.pull.headSha === sha)
      const page = paginate(call, runs.reverse())
      return {
        status: 200,
        body: { total_count: runs.length, check_runs: page.items.map((r) => shapes.checkRun(ctx.urls, repo, r, pulls)) },
        headers: page.headers,
      }
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/status',
    docs: 'https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference',
    async handle(ctx, call) {
      const repo = findRepo(ctx, call)
      if (!repo) return notFound(this.docs)
      const sha = await resolveCommit(repo.dir, call.params.ref)
      if (!sha) return error(404, `No commit found for SHA: ${call.params.ref}`, this.docs)
      return { status: 200, body: shapes.combinedStatus(ctx.urls, repo, sha, repo.statuses.filter((s) => s.sha === sha)) }
    },
  },
]

/** Who a commit made through the API is by: `author` / `committer` of the body, else the token's user. */
function signatures(call: Call, body: Json | null): { author: Signature; committer: Signature } {
  const user = call.token!.user
  const self = { name: user.name ?? user.login, email: user.email ?? `${user.id}+${user.login}@users.noreply.localhost` }
  const person = (value: unknown): Signature | null => {
    const p = fields(value)
    return p && typeof p.name === 'string' && typeof p.email === 'string' ? { name: p.name, email: p.email, ...(typeof p.date === 'string' ? { date: p.date } : {}) } : null
  }
  const committer = person(body?.committer) ?? self
  return { author: person(body?.author) ?? committer, committer }
}

/**
 * Creates, updates (`content`) or deletes (`content` null) one file on a branch in one commit, as
 * the contents API does: the file's current blob sha must be given to change an existing file,
 * and the push is announced like any other (`push` webhook, pull requests following their heads).
 */
async function writeFile(ctx: EventContext, call: Call, docs: string, content: Buffer | null): Promise<Reply> {
  const repo = findRepo(ctx, call)
  if (!repo) return notFound(docs)
  if (!call.token) return requiresAuth(docs)
  if (!canWrite(repo, call.token)) return notFound(docs)
  const body = fields(call.body)
  const path = call.params.path.replace(/^\/+|\/+$/g, '')
  if (!path || path.split('/').some((part) => !part || part === '.' || part === '..' || part === '.git')) {
    return validationFailed(docs, [{ resource: 'Commit', code: 'invalid', field: 'path' }])
  }
  const branch = stringField(body, 'branch') ?? repo.defaultBranch
  const empty = await isEmpty(repo.dir)
  const parent = empty ? null : await resolveCommit(repo.dir, `refs/heads/${branch}`)
  if (!empty && !parent) return error(404, `Branch ${branch} not found`, docs)
  const existing = parent ? await readPath(repo.dir, parent, path) : null
  if (existing?.kind === 'dir') return validationFailed(docs, [{ resource: 'Commit', code: 'invalid', field: 'path', message: `${path} is a directory` }])
  const sha = stringField(body, 'sha')
  if (content === null && !existing) return notFound(docs)
  if (existing && sha === undefined) return invalidRequest(docs, '"sha" wasn\'t supplied.')
  if (existing && sha !== existing.entry.sha) return error(409, `${path} does not match ${sha}`, docs)
  const { author, committer } = signatures(call, body)
  const before = await listRefs(repo.dir)
  const created = await commitFile(repo.dir, branch, parent, path, content, stringField(body, 'message')!, author, committer)
  if (!created) return error(409, `Could not update ${branch}: it moved while the commit was made`, docs)
  await refsChanged(ctx, repo, before, await listRefs(repo.dir), call.token.user)
  const written = content === null ? null : await readPath(repo.dir, created, path)
  const entry = written?.kind === 'file' ? written.entry : null
  return { status: existing || content === null ? 200 : 201, body: shapes.fileCommit(ctx.urls, repo, branch, entry, await readCommit(repo.dir, created)) }
}

/** Label names from any body form GitHub accepts: `"a"`, `["a"]`, `[{ name: "a" }]`; null when it is none of them. */
function labelList(value: unknown): string[] | null {
  if (typeof value === 'string' && value.trim()) return [value.trim()]
  if (!Array.isArray(value)) return null
  const names: string[] = []
  for (const item of value) {
    if (typeof item === 'string' && item.trim()) names.push(item.trim())
    else if (item && typeof item === 'object' && typeof (item as Json).name === 'string') names.push(String((item as Json).name))
    else return null
  }
  return names
}

/** `METHOD /openapi/path` of every operation the stand-in serves. */
export const servedOperations: string[] = routes.map((r) => `${r.method} ${r.path}`)

interface CompiledRoute {
  route: Route
  pattern: RegExp
  names: string[]
}

// Ref, branch and path parameters may contain slashes when sent unencoded; a file path may be
// empty (the root directory: `…/contents/` or `…/contents`).
const compiled: CompiledRoute[] = routes.map((route) => {
  const names: string[] = []
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\/?\{(\w+)\}/g, (_, name: string) => {
    names.push(name)
    return name === 'ref' || name === 'branch' ? '/(.+)' : name === 'path' ? '(?:/(.*))?' : '/([^/]+)'
  })
  return { route, pattern: new RegExp(`^${source}$`), names }
})

/**
 * Answers one request under the API base (`path` is the part after `/api/v3`): authentication,
 * rate limit, routing and GitHub's headers on every answer.
 */
export async function handleApi(ctx: EventContext, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
  const headers: Record<string, string> = {
    'x-github-request-id': requestId(),
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'access-control-allow-origin': '*',
    'access-control-expose-headers':
      'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
    server: 'github-standin',
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...headers, 'access-control-allow-headers': 'Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Accept-Encoding, X-GitHub-OTP, X-Requested-With, User-Agent, X-GitHub-Api-Version', 'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE' })
    res.end()
    return
  }
  const auth = authenticate(ctx.state, req)
  if (auth.kind === 'bad') {
    sendJson(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' }, headers)
    return
  }
  const token = auth.kind === 'token' ? auth.token : null
  if (token) {
    headers['x-oauth-scopes'] = token.scopes.join(', ')
    headers['x-accepted-oauth-scopes'] = ''
    if (token.clientId) headers['x-oauth-client-id'] = token.clientId
  }
  const caller = token ? `user:${token.user.id}` : `ip:${req.socket.remoteAddress}`
  const rate = ctx.state.countCall(caller, !!token)
  Object.assign(headers, {
    'x-ratelimit-limit': String(rate.limit),
    'x-ratelimit-remaining': String(rate.remaining),
    'x-ratelimit-reset': String(rate.reset),
    'x-ratelimit-used': String(rate.used),
    'x-ratelimit-resource': 'core',
  })
  if (rate.limited) {
    const who = token ? `user ID ${token.user.id}.` : `${req.socket.remoteAddress}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)`
    sendJson(res, 403, { message: `API rate limit exceeded for ${who}`, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' }, headers)
    return
  }

  let match: { route: Route; params: Record<string, string> } | null = null
  for (const c of compiled) {
    if (c.route.method !== req.method) continue
    const m = c.pattern.exec(path)
    if (!m) continue
    match = { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) }
    break
  }
  if (!match) {
    await readBody(req).catch(() => undefined)
    sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, headers)
    return
  }

  let body: unknown = undefined
  const text = (await readBody(req)).toString('utf8')
  if (text.trim()) {
    try {
      body = JSON.parse(text)
    } catch {
      sendJson(res, 400, { message: 'Problems parsing JSON', documentation_url: match.route.docs, status: '400' }, headers)
      return
    }
  }
  const reply = await match.route.handle(ctx, { params: match.params, query: url.searchParams, token, body, url: new URL(`${ctx.urls.api}${path}${url.search}`) })
  sendJson(res, reply.status, reply.body, { ...headers, ...reply.headers })
}
