// GitHub's webhook (POST /api/github/webhook): signatures, replays, workflow files re-read on a push
// to the default branch, and runs queued for issue and pull request events. Payloads are built
// from the GitHub stand-in's own objects (the issue, label, pull request and repository its REST
// API returned), signed as GitHub signs them.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { browser, resetAccounts, type TestBrowser } from '../test/browser'
import type { WorkflowRunView } from '../../shared/workflow'
import { config, createRepo, deliver, errorOf, gitHubApi, OWNER, resetWorkflows, signInWithGitHub, writeFile } from './__fixtures__/github'
import { FIX, REVIEW, WEEKLY } from './__fixtures__/workflows'

type Json = Record<string, unknown>

async function connected(files: Record<string, string>): Promise<{ b: TestBrowser; repo: string; repository: Json }> {
  const repo = await createRepo(files)
  const b = browser(config)
  await signInWithGitHub(b, OWNER)
  const res = await b.json('/api/workflows/repos', 'POST', { repo })
  expect(res.status, await res.clone().text()).toBe(201)
  return { b, repo, repository: await gitHubApi('GET', `/repos/${repo}`) }
}

/** Opens an issue on the stand-in and labels it; resolves to the `issues` `labeled` payload GitHub would send. */
async function labeledIssue(repo: string, repository: Json, label: string): Promise<Json> {
  const issue = await gitHubApi('POST', `/repos/${repo}/issues`, { title: 'The parser drops comments', body: 'Steps to reproduce…' })
  const labels = await gitHubApi<Json[]>('POST', `/repos/${repo}/issues/${issue.number}/labels`, { labels: [label] })
  return { action: 'labeled', issue: { ...issue, labels }, label: labels.find((l) => l.name === label), repository, sender: issue.user }
}

const runsOf = async (repo: string) =>
  (await env.DB.prepare('SELECT id, path, trigger_kind, trigger_summary FROM workflow_runs WHERE repo = ? ORDER BY created_at').bind(repo).all<{ id: string; path: string; trigger_kind: string; trigger_summary: string }>()).results

beforeEach(async () => {
  await resetAccounts()
  await resetWorkflows()
}, 30_000)

describe('verifying deliveries', { timeout: 30_000 }, () => {
  it('accepts a correctly signed ping, and refuses bad or missing signatures, a replayed delivery and a server without the secret', async () => {
    const b = browser(config)
    const ping = await deliver(b, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 })
    expect(ping.status).toBe(200)

    const forged = await deliver(b, 'ping', { zen: 'x' }, { secret: 'not-the-secret' })
    expect(forged.status).toBe(401)
    expect((await errorOf(forged)).message).toMatch(/does not match the body/)
    const unsigned = await deliver(b, 'ping', { zen: 'x' }, { secret: null })
    expect(unsigned.status).toBe(401)
    expect((await errorOf(unsigned)).message).toMatch(/X-Hub-Signature-256 is missing/)
    const garbage = await deliver(b, 'ping', { zen: 'x' }, { signature: 'sha256=zz' })
    expect(garbage.status).toBe(401)

    const off = await deliver(browser({ ...config, GITHUB_WEBHOOK_SECRET: undefined }), 'ping', { zen: 'x' })
    expect(off.status).toBe(503)
    expect((await errorOf(off)).message).toBe('GitHub webhooks are not set up on this server: GITHUB_WEBHOOK_SECRET is unset')
    // Refused deliveries were not recorded: only the good ping was.
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM webhook_deliveries').first<{ n: number }>())!.n).toBe(1)
  })

  it('queues one run for a delivery sent twice: the replay is refused with 409', async () => {
    const { repo, repository } = await connected({ '.coder/workflows/fix.yml': FIX })
    const payload = await labeledIssue(repo, repository, 'coder')
    const b = browser(config)
    const first = await deliver(b, 'issues', payload, { delivery: 'delivery-1' })
    expect(first.status).toBe(202)
    expect(((await first.json()) as { runs: string[] }).runs).toHaveLength(1)
    const again = await deliver(b, 'issues', payload, { delivery: 'delivery-1' })
    expect(again.status).toBe(409)
    expect((await errorOf(again)).message).toBe('Delivery delivery-1 was received before; a replay starts nothing')
    expect(await runsOf(repo)).toHaveLength(1)
  })
})

describe('issues and pull requests', { timeout: 30_000 }, () => {
  it('a labeled issue with the workflow’s label queues a run with the issue in its trigger; another label, or the workflow switched off, queues none', async () => {
    const { b, repo, repository } = await connected({ '.coder/workflows/fix.yml': FIX, '.coder/workflows/weekly.yml': WEEKLY })
    const payload = await labeledIssue(repo, repository, 'coder')
    const res = await deliver(b, 'issues', payload)
    expect(res.status).toBe(202)
    const { runs } = (await res.json()) as { runs: string[] }
    expect(runs).toHaveLength(1)
    const view = (await (await b.request(`/api/workflows/runs/${runs[0]}`)).json()) as WorkflowRunView
    const number = (payload.issue as Json).number
    expect(view).toMatchObject({
      repo,
      workflowPath: '.coder/workflows/fix.yml',
      status: 'queued',
      baseRef: 'main',
      author: { name: 'Eve' },
      trigger: {
        kind: 'issues',
        summary: `issue #${number} labeled coder`,
        context: { event: 'issues', action: 'labeled', label: 'coder', repository: repo, sender: 'eve', issue: { number, title: 'The parser drops comments', labels: ['coder'], user: 'eve' } },
      },
    })

    const other = await deliver(b, 'issues', await labeledIssue(repo, repository, 'bug'))
    expect(((await other.json()) as { runs: string[] }).runs).toEqual([])
    const opened = await deliver(b, 'issues', { ...payload, action: 'opened' })
    expect(((await opened.json()) as { runs: string[] }).runs).toEqual([])

    expect((await b.json(`/api/workflows/repos/${repo}/workflows/enabled`, 'PUT', { path: '.coder/workflows/fix.yml', enabled: false })).status).toBe(200)
    const off = await deliver(b, 'issues', await labeledIssue(repo, repository, 'coder'))
    expect(((await off.json()) as { runs: string[] }).runs).toEqual([])
    expect(await runsOf(repo)).toEqual([expect.objectContaining({ id: runs[0], trigger_kind: 'issues' })])
  })

  it('a pull request from a branch of the repository runs on that branch', async () => {
    const { b, repo, repository } = await connected({ '.coder/workflows/review.yml': REVIEW })
    const main = await gitHubApi<{ object: { sha: string } }>('GET', `/repos/${repo}/git/ref/heads/main`)
    await gitHubApi('POST', `/repos/${repo}/git/refs`, { ref: 'refs/heads/coder/feature', sha: main.object.sha })
    await writeFile(repo, 'feature.txt', 'a feature\n', 'coder/feature')
    const pr = await gitHubApi('POST', `/repos/${repo}/pulls`, { title: 'Add a feature', head: 'coder/feature', base: 'main' })
    const res = await deliver(b, 'pull_request', { action: 'opened', number: pr.number, pull_request: pr, repository, sender: pr.user })
    expect(res.status).toBe(202)
    const { runs } = (await res.json()) as { runs: string[] }
    expect(runs).toHaveLength(1)
    const view = (await (await b.request(`/api/workflows/runs/${runs[0]}`)).json()) as WorkflowRunView
    expect(view).toMatchObject({ baseRef: 'coder/feature', trigger: { kind: 'pull_request', summary: `pull request #${pr.number} opened`, context: { pull_request: { number: pr.number, head: 'coder/feature', base: 'main' } } } })

    // A pull request a workflow opened (its coder/wf-… branch) starts nothing: no workflow feeds itself.
    await gitHubApi('POST', `/repos/${repo}/git/refs`, { ref: 'refs/heads/coder/wf-review-1234abcd', sha: main.object.sha })
    await writeFile(repo, 'bot.txt', 'from a workflow\n', 'coder/wf-review-1234abcd')
    const own = await gitHubApi('POST', `/repos/${repo}/pulls`, { title: 'From a workflow', head: 'coder/wf-review-1234abcd', base: 'main' })
    const ignored = await deliver(b, 'pull_request', { action: 'opened', number: own.number, pull_request: own, repository, sender: own.user })
    expect(ignored.status).toBe(202)
    expect(((await ignored.json()) as { runs: string[] }).runs).toEqual([])
  })

  it('answers 202 with no runs for a repository nobody connected, and for events it does not act on', async () => {
    const b = browser(config)
    const res = await deliver(b, 'issues', { action: 'labeled', issue: { number: 1 }, label: { name: 'coder' }, repository: { full_name: 'someone/else' } })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ runs: [] })
    const star = await deliver(b, 'star', { action: 'created', repository: { full_name: 'someone/else' } })
    expect(star.status).toBe(202)
  })
})

describe('pushes', { timeout: 30_000 }, () => {
  it('a push to the default branch re-reads the workflow files; a push to another branch does not', async () => {
    const { b, repo, repository } = await connected({ '.coder/workflows/fix.yml': FIX })
    await writeFile(repo, '.coder/workflows/review.yml', REVIEW)
    await writeFile(repo, '.coder/workflows/fix.yml', null)
    const listed = async () => ((await (await b.request(`/api/workflows/repos/${repo}/workflows`)).json()) as { workflows: Array<{ path: string }> }).workflows.map((w) => w.path)
    expect(await listed()).toEqual(['.coder/workflows/fix.yml'])

    const elsewhere = await deliver(b, 'push', { ref: 'refs/heads/coder/feature', repository, commits: [] })
    expect(elsewhere.status).toBe(202)
    expect(await listed()).toEqual(['.coder/workflows/fix.yml'])

    const pushed = await deliver(b, 'push', { ref: 'refs/heads/main', repository, commits: [] })
    expect(pushed.status).toBe(202)
    expect(await pushed.json()).toEqual({ runs: [], workflows: ['.coder/workflows/review.yml'] })
    expect(await listed()).toEqual(['.coder/workflows/review.yml'])
  })
})
