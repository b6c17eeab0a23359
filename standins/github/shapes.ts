/**
 * GitHub's JSON shapes for the stand-in's objects, as the REST API and webhooks send them; every
 * URL points at the stand-in. Checked against GitHub's OpenAPI description in contract.test.ts.
 */
import type { CommitInfo, TreeEntry } from './git.ts'
import type { CheckRun, Comment, CommitStatus, Issue, Label, Repo, User } from './state.ts'

/** Where the stand-in answers: `html` is the web root (github.com), `api` the REST base (api.github.com). */
export interface Urls {
  html: string
  api: string
}

type Json = Record<string, unknown>

/** A user as embedded in other objects (`simple-user`). */
export function simpleUser(urls: Urls, user: User): Json {
  const api = `${urls.api}/users/${user.login}`
  return {
    login: user.login,
    id: user.id,
    node_id: user.nodeId,
    avatar_url: `${urls.html}/avatars/u/${user.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.html}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  }
}

/** The authenticated user's own profile (`GET /user`). */
export function privateUser(urls: Urls, user: User, counts: { publicRepos: number; privateRepos: number }): Json {
  return {
    ...simpleUser(urls, user),
    user_view_type: 'private',
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    notification_email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: counts.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
    private_gists: 0,
    total_private_repos: counts.privateRepos,
    owned_private_repos: counts.privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
  }
}

/** What a user may do in a repository, as `permissions` reports it. */
export interface Permissions {
  admin: boolean
  maintain: boolean
  push: boolean
  triage: boolean
  pull: boolean
}

function repoUrls(urls: Urls, repo: Repo): { api: string; html: string; full: string } {
  const full = `${repo.owner.login}/${repo.name}`
  return { api: `${urls.api}/repos/${full}`, html: `${urls.html}/${full}`, full }
}

/** A repository as `GET /repos/{owner}/{repo}` and the repository lists send it. */
export function repository(urls: Urls, repo: Repo, permissions?: Permissions): Json {
  const { api, html, full } = repoUrls(urls, repo)
  const host = new URL(urls.html).host
  const openIssues = repo.issues.filter((i) => i.state === 'open').length
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: full,
    private: repo.private,
    owner: simpleUser(urls, repo.owner),
    html_url: html,
    description: repo.description,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `git://${host}/${full}.git`,
    ssh_url: `git@${new URL(urls.html).hostname}:${full}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
    ...(permissions ? { permissions } : {}),
  }
}

/** The single-repository view (`GET /repos/{owner}/{repo}`): the list shape plus counters and merge settings. */
export function fullRepository(urls: Urls, repo: Repo, permissions?: Permissions): Json {
  return {
    ...repository(urls, repo, permissions),
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    network_count: 0,
    subscribers_count: 0,
    temp_clone_token: null,
  }
}

/** The repository in the form push payloads use: `owner` with name and e-mail, dates as Unix seconds. */
export function pushRepository(urls: Urls, repo: Repo): Json {
  const base = repository(urls, repo)
  return {
    ...base,
    owner: { ...simpleUser(urls, repo.owner), name: repo.owner.login, email: repo.owner.email },
    created_at: Math.floor(Date.parse(repo.createdAt) / 1000),
    pushed_at: Math.floor(Date.parse(repo.pushedAt) / 1000),
    stargazers: 0,
    master_branch: repo.defaultBranch,
  }
}

/** A repository label. */
export function label(urls: Urls, repo: Repo, l: Label): Json {
  return {
    id: l.id,
    node_id: l.nodeId,
    url: `${repoUrls(urls, repo).api}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: l.default,
    description: l.description,
  }
}

/** How the author relates to the repository. */
function association(repo: Repo, user: User): string {
  if (user.id === repo.owner.id) return 'OWNER'
  if (repo.collaborators.has(user.login.toLowerCase())) return 'COLLABORATOR'
  return 'NONE'
}

const NO_REACTIONS = (url: string): Json => ({
  url: `${url}/reactions`,
  total_count: 0,
  '+1': 0,
  '-1': 0,
  laugh: 0,
  hooray: 0,
  confused: 0,
  heart: 0,
  rocket: 0,
  eyes: 0,
})

/** An issue (or the issue side of a pull request) as the issues API sends it. */
export function issue(urls: Urls, repo: Repo, i: Issue, mergedAt: string | null = null): Json {
  const { api, html } = repoUrls(urls, repo)
  const url = `${api}/issues/${i.number}`
  const htmlUrl = `${html}/${i.pull ? 'pull' : 'issues'}/${i.number}`
  return {
    id: i.id,
    node_id: i.nodeId,
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: htmlUrl,
    number: i.number,
    state: i.state,
    state_reason: null,
    title: i.title,
    body: i.body,
    user: simpleUser(urls, i.user),
    labels: i.labels.map((l) => label(urls, repo, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: i.comments.length,
    ...(i.pull
      ? {
          pull_request: {
            url: `${api}/pulls/${i.number}`,
            html_url: htmlUrl,
            diff_url: `${htmlUrl}.diff`,
            patch_url: `${htmlUrl}.patch`,
            merged_at: mergedAt,
          },
          draft: i.pull.draft,
        }
      : {}),
    closed_at: i.closedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_by: null,
    author_association: association(repo, i.user),
    reactions: NO_REACTIONS(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  }
}

/** A comment on issue or pull request `i`. */
export function issueComment(urls: Urls, repo: Repo, i: Issue, c: Comment): Json {
  const { api, html } = repoUrls(urls, repo)
  const url = `${api}/issues/comments/${c.id}`
  return {
    id: c.id,
    node_id: c.nodeId,
    url,
    html_url: `${html}/${i.pull ? 'pull' : 'issues'}/${i.number}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(urls, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${api}/issues/${i.number}`,
    author_association: association(repo, c.user),
    performed_via_github_app: null,
    reactions: NO_REACTIONS(url),
  }
}

/** What git says about a pull request's branches (computed per request from the bare repository). */
export interface PullGitFacts {
  commits: number
  additions: number
  deletions: number
  changedFiles: number
  mergeable: boolean | null
}

/** A pull request as `GET /repos/{owner}/{repo}/pulls/{n}` sends it; `facts` null gives the list form. */
export function pullRequest(urls: Urls, repo: Repo, i: Issue, facts: PullGitFacts | null): Json {
  const pull = i.pull
  if (!pull) throw new Error(`#${i.number} is not a pull request`)
  const { api, html } = repoUrls(urls, repo)
  const url = `${api}/pulls/${i.number}`
  const htmlUrl = `${html}/pull/${i.number}`
  const issueUrl = `${api}/issues/${i.number}`
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner.login}:${ref}`,
    ref,
    sha,
    user: simpleUser(urls, repo.owner),
    repo: repository(urls, repo),
  })
  const list: Json = {
    url,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: i.number,
    state: i.state,
    locked: false,
    title: i.title,
    user: simpleUser(urls, i.user),
    body: i.body,
    labels: i.labels.map((l) => label(urls, repo, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.headRef, pull.headSha),
    base: side(pull.baseRef, pull.baseSha),
    _links: {
      self: { href: url },
      html: { href: htmlUrl },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${api}/statuses/${pull.headSha}` },
    },
    author_association: association(repo, i.user),
    auto_merge: null,
    draft: pull.draft,
  }
  if (!facts) return list
  return {
    ...list,
    merged: false,
    mergeable: facts.mergeable,
    rebaseable: facts.mergeable,
    mergeable_state: facts.mergeable === null ? 'unknown' : pull.draft ? 'draft' : facts.mergeable ? 'clean' : 'dirty',
    merged_by: null,
    comments: i.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  }
}

/** The user GitHub links a commit to: the user whose e-mail the commit carries, else none. */
export type UserByEmail = (email: string) => User | undefined

/** A commit as the commits and branches APIs send it. */
export function commit(urls: Urls, repo: Repo, c: CommitInfo, byEmail: UserByEmail): Json {
  const { api, html } = repoUrls(urls, repo)
  const author = byEmail(c.author.email)
  const committer = byEmail(c.committer.email)
  return {
    sha: c.sha,
    node_id: Buffer.from(`06:Commit${repo.id}:${c.sha}`).toString('base64'),
    commit: {
      author: { ...c.author, date: isoUtc(c.author.date) },
      committer: { ...c.committer, date: isoUtc(c.committer.date) },
      message: c.message,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      url: `${api}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    url: `${api}/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    author: author ? simpleUser(urls, author) : null,
    committer: committer ? simpleUser(urls, committer) : null,
    parents: c.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${html}/commit/${sha}` })),
  }
}

/** A git date (`2024-01-01T00:00:00+02:00`) in GitHub's UTC form. */
function isoUtc(date: string): string {
  return new Date(date).toISOString().replace('.000Z', 'Z')
}

/** A branch with its tip commit (`GET /repos/{owner}/{repo}/branches/{branch}`). */
export function branch(urls: Urls, repo: Repo, name: string, tip: CommitInfo, byEmail: UserByEmail): Json {
  const { api, html } = repoUrls(urls, repo)
  return {
    name,
    commit: commit(urls, repo, tip, byEmail),
    _links: { self: `${api}/branches/${name}`, html: `${html}/tree/${name}` },
    protected: false,
    protection: { enabled: false, required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] } },
    protection_url: `${api}/branches/${name}/protection`,
  }
}

/** A git reference (`GET /repos/{owner}/{repo}/git/ref/{ref}`). */
export function gitRef(urls: Urls, repo: Repo, ref: string, sha: string): Json {
  const { api } = repoUrls(urls, repo)
  return {
    ref,
    node_id: Buffer.from(`03:Ref${repo.id}:${ref}`).toString('base64'),
    url: `${api}/git/${ref}`,
    object: { sha, type: 'commit', url: `${api}/git/commits/${sha}` },
  }
}

/** A check run, with the open pull requests whose head it ran on. */
export function checkRun(urls: Urls, repo: Repo, run: CheckRun, pulls: Issue[]): Json {
  const { api, html } = repoUrls(urls, repo)
  const pullRef = (i: Issue) => {
    const p = i.pull!
    const small = { id: repo.id, url: api, name: repo.name }
    return {
      id: p.id,
      number: i.number,
      url: `${api}/pulls/${i.number}`,
      head: { ref: p.headRef, sha: p.headSha, repo: small },
      base: { ref: p.baseRef, sha: p.baseSha, repo: small },
    }
  }
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: run.nodeId,
    external_id: '',
    url: `${api}/check-runs/${run.id}`,
    html_url: `${html}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${html}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.title,
      summary: run.summary,
      text: null,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.id },
    app: null,
    pull_requests: pulls.map(pullRef),
  }
}

/** The combined status of a commit: the newest status per context, and their overall state. */
export function combinedStatus(urls: Urls, repo: Repo, sha: string, statuses: CommitStatus[]): Json {
  const { api } = repoUrls(urls, repo)
  const latest = new Map<string, CommitStatus>()
  for (const s of statuses) latest.set(s.context, s)
  const list = [...latest.values()]
  const state = list.some((s) => s.state === 'error' || s.state === 'failure')
    ? 'failure'
    : list.length > 0 && list.every((s) => s.state === 'success')
      ? 'success'
      : 'pending'
  return {
    state,
    statuses: list.map((s) => ({
      url: `${api}/statuses/${sha}`,
      avatar_url: `${urls.html}/avatars/u/${s.creator.id}?v=4`,
      id: s.id,
      node_id: s.nodeId,
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    })),
    sha,
    total_count: list.length,
    repository: repository(urls, repo),
    commit_url: `${api}/commits/${sha}`,
    url: `${api}/commits/${sha}/status`,
  }
}

/** The contents API's type of a tree entry. */
function contentType(entry: TreeEntry): 'file' | 'dir' | 'symlink' | 'submodule' {
  if (entry.type === 'tree') return 'dir'
  if (entry.type === 'commit') return 'submodule'
  return entry.mode === '120000' ? 'symlink' : 'file'
}

/** One entry of a directory listing (`GET /repos/{owner}/{repo}/contents/{path}` on a directory), at `ref`. */
export function contentEntry(urls: Urls, repo: Repo, ref: string, entry: TreeEntry): Json {
  const { api, html, full } = repoUrls(urls, repo)
  const type = contentType(entry)
  const self = `${api}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`
  const git = type === 'submodule' ? null : `${api}/git/${type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`
  const page = type === 'submodule' ? null : `${html}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entry.path}`
  return {
    type,
    size: entry.size,
    name: entry.path.slice(entry.path.lastIndexOf('/') + 1),
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: page,
    download_url: type === 'file' || type === 'symlink' ? `${urls.html}/${full}/raw/${ref}/${entry.path}` : null,
    _links: { self, git, html: page },
  }
}

/** A file with its content, base64 in lines of 60 as GitHub sends it (`GET …/contents/{path}` on a file). */
export function contentFile(urls: Urls, repo: Repo, ref: string, entry: TreeEntry, content: Buffer): Json {
  const base64 = content.toString('base64').replace(/.{60}/g, '$&\n')
  return { ...contentEntry(urls, repo, ref, entry), type: 'file', encoding: 'base64', content: base64 && !base64.endsWith('\n') ? `${base64}\n` : base64 }
}

/** What `PUT`/`DELETE …/contents/{path}` answer: the file written (null when deleted) and the commit. */
export function fileCommit(urls: Urls, repo: Repo, branch: string, entry: TreeEntry | null, c: CommitInfo): Json {
  const { api, html } = repoUrls(urls, repo)
  return {
    content: entry ? contentEntry(urls, repo, branch, entry) : null,
    commit: {
      sha: c.sha,
      node_id: Buffer.from(`06:Commit${repo.id}:${c.sha}`).toString('base64'),
      url: `${api}/git/commits/${c.sha}`,
      html_url: `${html}/commit/${c.sha}`,
      author: { name: c.author.name, email: c.author.email, date: isoUtc(c.author.date) },
      committer: { name: c.committer.name, email: c.committer.email, date: isoUtc(c.committer.date) },
      message: c.message,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      parents: c.parents.map((sha) => ({ sha, url: `${api}/git/commits/${sha}`, html_url: `${html}/commit/${sha}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
  }
}
