// Connected repositories and their workflows (/api/workflows/repos), against the GitHub stand-in:
// repositories and workflow files are real commits made through its REST API, read back by the
// edge through the contents API with the member's own GitHub sign-in.
import { beforeEach, describe, expect, it } from 'vitest'
import { browser, resetAccounts, signInByEmail, type TestBrowser } from '../test/browser'
import type { WorkflowRunView } from '../../shared/workflow'
import { config, createRepo, errorOf, OWNER, resetWorkflows, signInWithGitHub, writeFile } from './__fixtures__/github'
import { BROKEN, DEPLOYED, FIX, WEEKLY } from './__fixtures__/workflows'

/** The repositories' owner, signed in to the IDE with GitHub. */
async function owner(): Promise<TestBrowser> {
  const b = browser(config)
  await signInWithGitHub(b, OWNER)
  return b
}

async function connect(b: TestBrowser, repo: string) {
  const res = await b.json('/api/workflows/repos', 'POST', { repo })
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as { repo: string; defaultBranch: string; workflows: Array<Record<string, unknown>> }
}

type Listed = { path: string; name: string | null; problems: Array<{ line: number; column: number; message: string }> | null; enabled: boolean; nextRunAt: number | null; lastRun: { id: string; status: string } | null; triggers: unknown }

async function workflows(b: TestBrowser, repo: string, refresh = false): Promise<Listed[]> {
  const res = await b.request(`/api/workflows/repos/${repo}/workflows${refresh ? '?refresh=1' : ''}`)
  expect(res.status, await res.clone().text()).toBe(200)
  return ((await res.json()) as { workflows: Listed[] }).workflows
}

beforeEach(async () => {
  await resetAccounts()
  await resetWorkflows()
}, 30_000)

describe('connecting a repository', { timeout: 30_000 }, () => {
  it('reads the workflow files of the default branch: names, triggers, the problems of a broken file with line and column', async () => {
    const repo = await createRepo({
      '.coder/workflows/fix.yml': FIX,
      '.coder/workflows/weekly.yaml': WEEKLY,
      '.coder/workflows/deployed.json': DEPLOYED,
      '.coder/workflows/broken.yml': BROKEN,
      '.coder/workflows/notes.md': '# not a workflow\n',
      'src/index.ts': 'export {}\n',
    })
    const b = await owner()
    const connected = await connect(b, repo)
    expect(connected).toMatchObject({ repo, defaultBranch: 'main' })
    expect(connected.workflows.map((w) => w.path)).toEqual(['.coder/workflows/broken.yml', '.coder/workflows/deployed.json', '.coder/workflows/fix.yml', '.coder/workflows/weekly.yaml'])

    const list = await workflows(b, repo)
    const byPath = Object.fromEntries(list.map((w) => [w.path.slice('.coder/workflows/'.length), w]))
    expect(byPath['fix.yml']).toMatchObject({ name: 'Fix labeled issues', problems: null, enabled: true, lastRun: null, nextRunAt: null, triggers: { issues: { types: ['labeled'], labels: ['coder'] } } })
    expect(byPath['deployed.json']).toMatchObject({ name: 'After deploy', triggers: { webhook: { name: 'deployed' } } })
    expect(byPath['broken.yml']).toMatchObject({ name: null, triggers: null, enabled: true })
    expect(byPath['broken.yml'].problems).toEqual([expect.objectContaining({ line: 5, column: 5, message: expect.stringMatching(/exactly one/) })])
    // The next Monday 09:30 UTC after now.
    const next = new Date(byPath['weekly.yaml'].nextRunAt!)
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 9, 30])
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000)

    const mine = (await (await b.request('/api/workflows/repos')).json()) as { repos: Array<{ repo: string; defaultBranch: string; members: Array<{ login: string }> }> }
    expect(mine.repos).toEqual([expect.objectContaining({ repo, defaultBranch: 'main', members: [expect.objectContaining({ login: 'eve', name: 'Eve' })] })])
  })

  it('refuses a repository the user cannot push to, one GitHub does not show them, and users without a GitHub sign-in', async () => {
    const eve = browser(config)
    await signInWithGitHub(eve, 'eve')
    // ada/public is public: eve may read it, not push to it.
    const refused = await eve.json('/api/workflows/repos', 'POST', { repo: 'ada/public' })
    expect(refused.status).toBe(403)
    expect((await errorOf(refused)).message).toBe('Your GitHub account cannot push to ada/public, so you cannot connect it for workflows: ask its owner for write access')
    const hidden = await eve.json('/api/workflows/repos', 'POST', { repo: 'ada/secret' })
    expect(hidden.status).toBe(404)
    expect((await errorOf(hidden)).message).toMatch(/the repository does not exist, or your GitHub account cannot see it/)
    expect(((await (await eve.request('/api/workflows/repos')).json()) as { repos: unknown[] }).repos).toEqual([])

    const byEmail = browser(config)
    await signInByEmail(byEmail, 'grace@example.com')
    const noGitHub = await byEmail.json('/api/workflows/repos', 'POST', { repo: 'ada/public' })
    expect(noGitHub.status).toBe(401)
    expect((await errorOf(noGitHub)).message).toMatch(/sign in with GitHub/)
    expect((await browser(config).json('/api/workflows/repos', 'POST', { repo: 'ada/public' })).status).toBe(401)
    const bad = await eve.json('/api/workflows/repos', 'POST', { repo: 'not a repo' })
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).message).toBe('repo must be a GitHub repository as owner/name')
  })

  it('shows a repository’s workflows to its members only; a member who disconnects loses them', async () => {
    const repo = await createRepo({ '.coder/workflows/fix.yml': FIX })
    const b = await owner()
    await connect(b, repo)
    const ada = browser(config)
    await signInWithGitHub(ada, 'ada')
    const notMember = await ada.request(`/api/workflows/repos/${repo}/workflows`)
    expect(notMember.status).toBe(404)
    expect((await errorOf(notMember)).message).toBe(`No connected repository ${repo}: connect it for workflows first`)

    expect((await b.request(`/api/workflows/repos/${repo}`, { method: 'DELETE' })).status).toBe(200)
    expect((await b.request(`/api/workflows/repos/${repo}/workflows`)).status).toBe(404)
    expect(((await (await b.request('/api/workflows/repos')).json()) as { repos: unknown[] }).repos).toEqual([])
  })

  it('re-reads the default branch on ?refresh=1: new files appear, removed ones go, a fixed file loses its problems', async () => {
    const repo = await createRepo({ '.coder/workflows/fix.yml': FIX, '.coder/workflows/broken.yml': BROKEN })
    const b = await owner()
    await connect(b, repo)
    await writeFile(repo, '.coder/workflows/fix.yml', null)
    await writeFile(repo, '.coder/workflows/broken.yml', BROKEN.replace('    agent: and fix it\n', ''))
    await writeFile(repo, '.coder/workflows/weekly.yml', WEEKLY)
    // Until refreshed (or a push arrives), the cached files are what the edge knows.
    expect((await workflows(b, repo)).map((w) => w.path)).toEqual(['.coder/workflows/broken.yml', '.coder/workflows/fix.yml'])
    const list = await workflows(b, repo, true)
    expect(list.map((w) => [w.path, w.name, w.problems])).toEqual([
      ['.coder/workflows/broken.yml', 'Broken', null],
      ['.coder/workflows/weekly.yml', 'Weekly tests', null],
    ])
  })
})

describe('Run now', { timeout: 30_000 }, () => {
  it('queues a run of the file at the default branch with checked inputs; bad inputs and a workflow without a manual trigger are refused with a message', async () => {
    const repo = await createRepo({ '.coder/workflows/fix.yml': FIX, '.coder/workflows/weekly.yml': WEEKLY })
    const b = await owner()
    await connect(b, repo)
    const runs = `/api/workflows/repos/${repo}/runs`

    const missing = await b.json(runs, 'POST', { path: '.coder/workflows/fix.yml', inputs: {} })
    expect(missing.status).toBe(400)
    expect((await errorOf(missing)).message).toBe('input `effort` is required')
    const wrong = await b.json(runs, 'POST', { path: '.coder/workflows/fix.yml', inputs: { effort: 'extreme' } })
    expect(wrong.status).toBe(400)
    expect((await errorOf(wrong)).message).toBe('input `effort` must be one of low, high, got "extreme"')
    const noManual = await b.json(runs, 'POST', { path: '.coder/workflows/weekly.yml' })
    expect(noManual.status).toBe(400)
    expect((await errorOf(noManual)).message).toMatch(/^This workflow has no manual trigger/)
    const noFile = await b.json(runs, 'POST', { path: '.coder/workflows/nope.yml' })
    expect(noFile.status).toBe(404)
    expect((await errorOf(noFile)).message).toBe(`There is no .coder/workflows/nope.yml on main of ${repo}`)
    const notWorkflow = await b.json(runs, 'POST', { path: 'src/fix.yml' })
    expect(notWorkflow.status).toBe(400)
    expect((await errorOf(notWorkflow)).message).toMatch(/is not a workflow file/)

    const ok = await b.json(runs, 'POST', { path: '.coder/workflows/fix.yml', inputs: { effort: 'high' } })
    expect(ok.status, await ok.clone().text()).toBe(201)
    const { run } = (await ok.json()) as { run: WorkflowRunView }
    expect(run).toMatchObject({ repo, workflowPath: '.coder/workflows/fix.yml', workflowName: 'Fix labeled issues', status: 'queued', baseRef: 'main', inputs: { effort: 'high' }, trigger: { kind: 'manual', summary: 'Run now' }, author: { name: 'Eve' } })

    const listed = (await (await b.request(runs)).json()) as { runs: Array<{ id: string; status: string; trigger: { summary: string } }> }
    expect(listed.runs).toEqual([expect.objectContaining({ id: run.id, status: 'queued', trigger: expect.objectContaining({ summary: 'Run now' }) })])
    const fix = (await workflows(b, repo)).find((w) => w.path === '.coder/workflows/fix.yml')!
    expect(fix.lastRun).toMatchObject({ id: run.id, status: 'queued' })
  })

  it('runs the text the IDE sends (its branch’s version), and says why when it does not parse', async () => {
    const repo = await createRepo({ '.coder/workflows/fix.yml': FIX })
    const b = await owner()
    await connect(b, repo)
    const runs = `/api/workflows/repos/${repo}/runs`
    const broken = await b.json(runs, 'POST', { path: '.coder/workflows/fix.yml', source: BROKEN, ref: 'coder/try' })
    expect(broken.status).toBe(400)
    expect((await errorOf(broken)).message).toMatch(/^The workflow does not parse: \.coder\/workflows\/fix\.yml:5:5: .*exactly one/)
    const edited = FIX.replace('name: Fix labeled issues', 'name: Fix (edited)')
    const ok = await b.json(runs, 'POST', { path: '.coder/workflows/fix.yml', source: edited, ref: 'coder/try', inputs: { effort: 'low' } })
    expect(ok.status, await ok.clone().text()).toBe(201)
    expect(((await ok.json()) as { run: WorkflowRunView }).run).toMatchObject({ workflowName: 'Fix (edited)', baseRef: 'coder/try' })
  })
})

describe('switching workflows off and named webhooks', { timeout: 30_000 }, () => {
  it('fires the switched-on workflows listening for a hook; one switched off stays quiet', async () => {
    const repo = await createRepo({ '.coder/workflows/deployed.json': DEPLOYED, '.coder/workflows/fix.yml': FIX })
    const b = await owner()
    await connect(b, repo)
    const hook = `/api/workflows/repos/${repo}/hooks/deployed`
    const fired = await b.json(hook, 'POST', { version: '1.2.3' })
    expect(fired.status).toBe(202)
    const { runs } = (await fired.json()) as { runs: string[] }
    expect(runs).toHaveLength(1)
    const view = (await (await b.request(`/api/workflows/runs/${runs[0]}`)).json()) as WorkflowRunView
    expect(view).toMatchObject({ workflowPath: '.coder/workflows/deployed.json', trigger: { kind: 'webhook', summary: 'webhook deployed', context: { name: 'deployed', payload: { version: '1.2.3' } } } })
    expect(((await (await b.json(`/api/workflows/repos/${repo}/hooks/other`, 'POST', {})).json()) as { runs: string[] }).runs).toEqual([])

    const off = await b.json(`/api/workflows/repos/${repo}/workflows/enabled`, 'PUT', { path: '.coder/workflows/deployed.json', enabled: false })
    expect(off.status).toBe(200)
    expect((await workflows(b, repo)).find((w) => w.path.endsWith('deployed.json'))!.enabled).toBe(false)
    expect(((await (await b.json(hook, 'POST', { version: '1.2.4' })).json()) as { runs: string[] }).runs).toEqual([])
    const bad = await b.json(`/api/workflows/repos/${repo}/workflows/enabled`, 'PUT', { path: '.coder/workflows/deployed.json', enabled: 'no' })
    expect(bad.status).toBe(400)

    const ada = browser(config)
    await signInWithGitHub(ada, 'ada')
    expect((await ada.json(hook, 'POST', {})).status).toBe(404)
  })
})
