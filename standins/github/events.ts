/**
 * What happens after something changes in the stand-in: refs moved by a push or the API update the
 * open pull requests, and every change is announced as a GitHub webhook event.
 */
import { commitChanges, commitsBetween, isAncestor, readCommit, ZERO_SHA, type CommitInfo } from './git.ts'
import { issue, issueComment, label, pullRequest, pushRepository, repository, simpleUser, type Urls } from './shapes.ts'
import type { Comment, GitHubState, Issue, Label, Repo, User } from './state.ts'
import type { WebhookSender } from './webhooks.ts'
import { pullFacts } from './pulls.ts'

/** What event handlers need: the state, the stand-in's URLs and the webhook sender. */
export interface EventContext {
  state: GitHubState
  urls: Urls
  hooks: WebhookSender
}

/** Announces a new pull request (`pull_request` / `opened`). */
export async function pullRequestOpened(ctx: EventContext, repo: Repo, pr: Issue, sender: User): Promise<void> {
  await pullRequestEvent(ctx, repo, pr, sender, { action: 'opened' })
}

async function pullRequestEvent(ctx: EventContext, repo: Repo, pr: Issue, sender: User, extra: Record<string, unknown>): Promise<void> {
  const facts = await pullFacts(ctx.state, repo, pr)
  ctx.hooks.send('pull_request', repo, {
    ...extra,
    number: pr.number,
    pull_request: pullRequest(ctx.urls, repo, pr, facts),
    repository: repository(ctx.urls, repo),
    sender: simpleUser(ctx.urls, sender),
  })
}

/** Announces a new issue (`issues` / `opened`). */
export function issueOpened(ctx: EventContext, repo: Repo, i: Issue, sender: User): void {
  ctx.hooks.send('issues', repo, {
    action: 'opened',
    issue: issue(ctx.urls, repo, i),
    repository: repository(ctx.urls, repo),
    sender: simpleUser(ctx.urls, sender),
  })
}

/** Announces labels added to an issue or pull request, one `labeled` event per label, as GitHub does. */
export async function labelsAdded(ctx: EventContext, repo: Repo, i: Issue, added: Label[], sender: User): Promise<void> {
  for (const l of added) {
    if (i.pull) {
      await pullRequestEvent(ctx, repo, i, sender, { action: 'labeled', label: label(ctx.urls, repo, l) })
    } else {
      ctx.hooks.send('issues', repo, {
        action: 'labeled',
        issue: issue(ctx.urls, repo, i),
        label: label(ctx.urls, repo, l),
        repository: repository(ctx.urls, repo),
        sender: simpleUser(ctx.urls, sender),
      })
    }
  }
}

/** Announces a new comment (`issue_comment` / `created`). */
export function commentCreated(ctx: EventContext, repo: Repo, i: Issue, c: Comment, sender: User): void {
  ctx.hooks.send('issue_comment', repo, {
    action: 'created',
    issue: issue(ctx.urls, repo, i),
    comment: issueComment(ctx.urls, repo, i, c),
    repository: repository(ctx.urls, repo),
    sender: simpleUser(ctx.urls, sender),
  })
}

/**
 * Handles refs that moved (a push through git, or a ref created through the API): pull requests
 * follow their branches (`synchronize`), and each moved ref is announced as a `push` event.
 */
export async function refsChanged(ctx: EventContext, repo: Repo, before: Map<string, string>, after: Map<string, string>, pusher: User): Promise<void> {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((ref) => before.get(ref) !== after.get(ref))
  if (!changed.length) return
  repo.pushedAt = ctx.state.timestamp()
  repo.updatedAt = repo.pushedAt
  for (const ref of changed) {
    const from = before.get(ref) ?? ZERO_SHA
    const to = after.get(ref) ?? ZERO_SHA
    await announcePush(ctx, repo, ref, from, to, after, pusher)
    if (!ref.startsWith('refs/heads/') || to === ZERO_SHA) continue
    const branch = ref.slice('refs/heads/'.length)
    for (const i of repo.issues) {
      if (!i.pull || i.state !== 'open') continue
      if (i.pull.baseRef === branch) i.pull.baseSha = to
      if (i.pull.headRef === branch && i.pull.headSha !== to) {
        const previous = i.pull.headSha
        i.pull.headSha = to
        i.updatedAt = ctx.state.timestamp()
        await pullRequestEvent(ctx, repo, i, pusher, { action: 'synchronize', before: previous, after: to })
      }
    }
  }
}

async function announcePush(ctx: EventContext, repo: Repo, ref: string, from: string, to: string, refs: Map<string, string>, pusher: User): Promise<void> {
  const created = from === ZERO_SHA
  const deleted = to === ZERO_SHA
  const full = `${repo.owner.login}/${repo.name}`
  let commits: CommitInfo[] = []
  if (!deleted) {
    // A new branch reports the commits its default branch lacks; a moved one those since `from`.
    const defaultTip = refs.get(`refs/heads/${repo.defaultBranch}`)
    const base = created ? (ref === `refs/heads/${repo.defaultBranch}` ? null : defaultTip ?? null) : from
    commits = await commitsBetween(repo.dir, base, to).catch(() => [])
  }
  const head = deleted ? null : await readCommit(repo.dir, to).catch(() => null)
  const shape = async (c: CommitInfo) => ({
    id: c.sha,
    tree_id: c.tree,
    distinct: true,
    message: c.message,
    timestamp: c.committer.date,
    url: `${ctx.urls.html}/${full}/commit/${c.sha}`,
    author: person(ctx, c.author),
    committer: person(ctx, c.committer),
    ...(await commitChanges(repo.dir, c.sha)),
  })
  const shaped = await Promise.all(commits.map(shape))
  ctx.hooks.send('push', repo, {
    ref,
    before: from,
    after: to,
    repository: pushRepository(ctx.urls, repo),
    pusher: { name: pusher.login, email: pusher.email },
    sender: simpleUser(ctx.urls, pusher),
    created,
    deleted,
    forced: !created && !deleted && !(await isAncestor(repo.dir, from, to)),
    base_ref: null,
    compare: created
      ? `${ctx.urls.html}/${full}/commit/${to.slice(0, 12)}`
      : `${ctx.urls.html}/${full}/compare/${from.slice(0, 12)}...${to.slice(0, 12)}`,
    commits: shaped,
    head_commit: head ? await shape(head) : null,
  })
}

function person(ctx: EventContext, who: { name: string; email: string }): Record<string, unknown> {
  const user = [...ctx.state.users.values()].find((u) => u.email && u.email.toLowerCase() === who.email.toLowerCase())
  return { name: who.name, email: who.email, ...(user ? { username: user.login } : {}) }
}
