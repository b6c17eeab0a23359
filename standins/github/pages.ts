/**
 * The stand-in's few web pages, so a developer can see what happened: the index (repositories,
 * pull requests, issues, webhook deliveries) and one page per repository, pull request and issue
 * (the `html_url`s the API hands out). Every page says it is a stand-in.
 */
import { escapeHtml } from './http.ts'
import { listRefs } from './git.ts'
import type { GitHubState, Issue, Repo } from './state.ts'

const BANNER = 'GitHub stand-in (local, for development and tests)'

/** A whole HTML page with the stand-in banner. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${BANNER}</title>
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 0; color: #1f2328; }
  header { background: #24292f; color: #fff; padding: 8px 16px; }
  header a { color: #fff; font-weight: 600; text-decoration: none; }
  main { max-width: 960px; margin: 16px auto; padding: 0 16px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 16px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
  code { font: 12px ui-monospace, monospace; background: #f6f8fa; padding: 1px 4px; }
  .label { border-radius: 8px; padding: 0 6px; font-size: 12px; border: 1px solid #d0d7de; }
  .error { color: #cf222e; }
  button { font: inherit; padding: 4px 12px; }
</style></head>
<body><header><a href="/">${BANNER}</a></header><main>${body}</main></body></html>`
}

function labels(i: Issue): string {
  return i.labels.map((l) => `<span class="label" style="background:#${escapeHtml(l.color)}">${escapeHtml(l.name)}</span>`).join(' ')
}

function pullsTable(repos: Repo[]): string {
  const rows = repos.flatMap((repo) =>
    repo.issues
      .filter((i) => i.pull)
      .map((i) => {
        const p = i.pull!
        const full = `${repo.owner.login}/${repo.name}`
        return `<tr><td><a href="/${full}/pull/${i.number}">${escapeHtml(full)}#${i.number}</a></td><td>${escapeHtml(i.title)} ${labels(i)}</td>
          <td><code>${escapeHtml(p.headRef)}</code> → <code>${escapeHtml(p.baseRef)}</code></td><td><code>${p.headSha.slice(0, 7)}</code></td><td>${i.state}${p.draft ? ' (draft)' : ''}</td></tr>`
      }),
  )
  return rows.length
    ? `<table><tr><th>pull request</th><th>title</th><th>head → base</th><th>head</th><th>state</th></tr>${rows.join('')}</table>`
    : '<p>None yet.</p>'
}

function issuesTable(repos: Repo[]): string {
  const rows = repos.flatMap((repo) =>
    repo.issues
      .filter((i) => !i.pull)
      .map((i) => {
        const full = `${repo.owner.login}/${repo.name}`
        return `<tr><td><a href="/${full}/issues/${i.number}">${escapeHtml(full)}#${i.number}</a></td><td>${escapeHtml(i.title)} ${labels(i)}</td><td>${i.state}</td><td>${i.comments.length}</td></tr>`
      }),
  )
  return rows.length ? `<table><tr><th>issue</th><th>title</th><th>state</th><th>comments</th></tr>${rows.join('')}</table>` : '<p>None yet.</p>'
}

/** The index page: every repository, pull request, issue and the latest webhook deliveries. */
export function indexPage(state: GitHubState, baseUrl: string): string {
  const repos = [...state.repos.values()]
  const repoRows = repos
    .map((r) => {
      const full = `${r.owner.login}/${r.name}`
      return `<tr><td><a href="/${full}">${escapeHtml(full)}</a></td><td>${r.private ? 'private' : 'public'}</td><td><code>${escapeHtml(r.defaultBranch)}</code></td><td><code>git clone ${escapeHtml(`${baseUrl}/${full}.git`)}</code></td></tr>`
    })
    .join('')
  const deliveries = state.deliveries
    .slice(-50)
    .reverse()
    .map((d) => `<tr><td>${escapeHtml(d.deliveredAt)}</td><td>${escapeHtml(d.event)}${d.action ? `.${escapeHtml(d.action)}` : ''}</td><td>${escapeHtml(d.url)}</td><td>${d.status ?? `<span class="error">${escapeHtml(d.error)}</span>`}</td></tr>`)
    .join('')
  return layout(
    'Index',
    `<h1>${BANNER}</h1>
    <p>A local server speaking GitHub's wire format, so Coder can be developed and tested without github.com. API base: <code>${escapeHtml(baseUrl)}/api/v3</code>; git: <code>${escapeHtml(baseUrl)}/&lt;owner&gt;/&lt;repo&gt;.git</code>.</p>
    <h2>Repositories</h2>${repoRows ? `<table><tr><th>repository</th><th>visibility</th><th>default branch</th><th>clone</th></tr>${repoRows}</table>` : '<p>None.</p>'}
    <h2>Pull requests</h2>${pullsTable(repos)}
    <h2>Issues</h2>${issuesTable(repos)}
    <h2>Webhook deliveries</h2>${deliveries ? `<table><tr><th>at</th><th>event</th><th>to</th><th>status</th></tr>${deliveries}</table>` : `<p>None yet (${state.webhooks.length} target${state.webhooks.length === 1 ? '' : 's'} configured).</p>`}`,
  )
}

/** A repository's page: branches with their tips, pull requests and issues. */
export async function repoPage(repo: Repo, baseUrl: string): Promise<string> {
  const full = `${repo.owner.login}/${repo.name}`
  const refs = [...(await listRefs(repo.dir))].filter(([ref]) => ref.startsWith('refs/heads/'))
  const branches = refs.map(([ref, sha]) => `<tr><td><code>${escapeHtml(ref.slice(11))}</code></td><td><code>${sha}</code></td></tr>`).join('')
  return layout(
    full,
    `<h1>${escapeHtml(full)} <small>(${repo.private ? 'private' : 'public'})</small></h1>
    ${repo.description ? `<p>${escapeHtml(repo.description)}</p>` : ''}
    <p><code>git clone ${escapeHtml(`${baseUrl}/${full}.git`)}</code></p>
    <h2>Branches</h2><table><tr><th>branch</th><th>tip</th></tr>${branches}</table>
    <h2>Pull requests</h2>${pullsTable([repo])}
    <h2>Issues</h2>${issuesTable([repo])}`,
  )
}

/** A pull request's or issue's page: its text, branches, labels and comments. */
export function issuePage(repo: Repo, i: Issue): string {
  const full = `${repo.owner.login}/${repo.name}`
  const p = i.pull
  const comments = i.comments
    .map((c) => `<tr id="issuecomment-${c.id}"><td>${escapeHtml(c.user.login)}<br><small>${escapeHtml(c.createdAt)}</small></td><td><pre>${escapeHtml(c.body)}</pre></td></tr>`)
    .join('')
  return layout(
    `${full}#${i.number}`,
    `<h1>${escapeHtml(i.title)} <small><a href="/${full}">${escapeHtml(full)}</a>#${i.number}</small></h1>
    <p>${p ? 'Pull request' : 'Issue'} · ${i.state}${p?.draft ? ' · draft' : ''} · opened by ${escapeHtml(i.user.login)} at ${escapeHtml(i.createdAt)} ${labels(i)}</p>
    ${p ? `<p><code>${escapeHtml(p.headRef)}</code> (<code>${p.headSha}</code>) into <code>${escapeHtml(p.baseRef)}</code> (<code>${p.baseSha}</code>)</p>` : ''}
    <pre>${escapeHtml(i.body ?? '')}</pre>
    <h2>Comments</h2>${comments ? `<table>${comments}</table>` : '<p>None.</p>'}`,
  )
}

/** A user's avatar: their initial on a colour derived from their id (SVG). */
export function avatar(id: number, login: string): string {
  const hue = (id * 47) % 360
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" fill="hsl(${hue},55%,55%)"/><text x="32" y="42" font-family="sans-serif" font-size="30" text-anchor="middle" fill="#fff">${escapeHtml(login.slice(0, 1).toUpperCase())}</text></svg>`
}
