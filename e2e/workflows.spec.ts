import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startGitHubStandIn, type GitHubStandIn } from '../standins/github'
import { startModelStandIn, type ModelStandIn } from '../standins/models'
import { connectBrowser } from './support/browser'
import { signInWithGitHub } from './support/ide'
import { startEdgeServer, type EdgeServer } from './support/edge-server'

// Workflows end to end: the GitHub stand-in labels an issue → a signed webhook reaches the edge,
// which queues a run of the repository's `.coder/workflows/fix.yml` → the headless runner
// (`npx coder-runner`, the IDE's own code in headless Chromium) claims it, the agent fixes the
// bug with the scripted model, the tests pass, the fixed site is built and deployed as a preview,
// a pull request linking the preview and a comment appear on the stand-in → the same run is
// visible step by step in the IDE's run view.
// Never execFileSync here: the stand-in answers from this process, so a blocked event loop deadlocks git.
const git = async (...args: string[]) => (await promisify(execFile)('git', args, { encoding: 'utf8' })).stdout
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
let browser: Browser
let github: GitHubStandIn
let models: ModelStandIn
let edge: EdgeServer
const root = mkdtempSync(join(tmpdir(), 'coder-workflows-'))
const ownerToken = 'ghp_e2e_workflow_owner_token_000000000000'
const webhookSecret = 'e2e-webhook-secret'

const WORKFLOW = `name: Fix labeled issues
on:
  issues:
    types: [labeled]
    labels: [coder]
model: e2e-model
budget:
  max_credits: 1
policies:
  write_paths: [src/]
  required_checks: [tests]
steps:
  - id: fix
    name: Fix the issue
    agent:
      instructions: "Fix issue #\${{ trigger.issue.number }}: \${{ trigger.issue.title }}"
  - id: tests
    name: Run the tests
    test: true
  - id: preview
    name: Deploy a preview
    deploy: { preview: true, build: npm run build, output: dist }
  - id: pr
    name: Open a pull request
    pull_request:
      title: "Fix #\${{ trigger.issue.number }}: \${{ trigger.issue.title }}"
      body: "Fixes #\${{ trigger.issue.number }}"
      labels: [coder]
  - name: Say where
    comment:
      body: "Opened \${{ steps.pr.outputs.url }} (preview \${{ steps.preview.outputs.id }})"
`

// Run now from the IDE, run by the tab; the pull request waits for a person's approval.
const NOTE_WORKFLOW = `name: Add a note
on:
  manual:
    inputs:
      note: { type: string, required: true, description: What to write down }
policies:
  write_paths: [notes/]
  required_checks: [tests]
  approval_before_push: true
steps:
  - id: write
    name: Write the note
    run: mkdir -p notes && echo "\${{ inputs.note }}" > notes/today.txt
  - id: tests
    name: Run the tests
    test: true
  - id: pr
    name: Propose it
    pull_request:
      title: "Note: \${{ inputs.note }}"
`

// A step that writes outside the workflow's allowed directories fails.
const STRAY_WORKFLOW = `name: Stray write
on: { manual: {} }
policies:
  write_paths: [notes/]
steps:
  - id: stray
    name: Write outside notes
    run: echo oops > README.md
  - pull_request: { title: never }
`

// A granted secret reaches the command, is masked in its log, and cannot leave in a pull request.
const LEAK_WORKFLOW = `name: Leak
on: { manual: {} }
policies: { write_paths: [notes/], secrets: [NOTE_TOKEN] }
steps:
  - name: Use the token
    run: echo "token is $NOTE_TOKEN" && mkdir -p notes && echo "$NOTE_TOKEN" > notes/leak.txt
  - name: Propose
    pull_request: { title: leak }
`

beforeAll(async () => {
  ;[browser, github, models] = await Promise.all([
    connectBrowser(),
    startGitHubStandIn({
      users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }],
      repos: [
        {
          owner: 'ada',
          name: 'calc',
          private: true,
          files: {
            'package.json': '{\n  "name": "calc",\n  "scripts": { "test": "node --test", "build": "node build.js" }\n}\n',
            'src/add.js': 'exports.add = (a, b) => a - b\n',
            // The site a deploy step publishes: built from the code, so the preview shows the fix.
            'build.js':
              "const fs = require('node:fs')\nconst { add } = require('./src/add.js')\nfs.mkdirSync('dist', { recursive: true })\nfs.writeFileSync('dist/index.html', `<!doctype html><title>calc</title><p>2 + 3 = ${add(2, 3)}</p>\\n`)\n",
            'test/add.test.js': "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../src/add.js')\n\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n",
            '.coder/workflows/fix.yml': WORKFLOW,
          },
        },
        {
          owner: 'ada',
          name: 'notes',
          private: true,
          files: {
            'package.json': '{\n  "name": "notes",\n  "scripts": { "test": "node --test" }\n}\n',
            'test/ok.test.js': "const test = require('node:test')\n\ntest('ok', () => {})\n",
            '.coder/workflows/note.yml': NOTE_WORKFLOW,
            '.coder/workflows/stray.yml': STRAY_WORKFLOW,
            '.coder/workflows/leak.yml': LEAK_WORKFLOW,
            '.coder/workflows/slow.yml': 'name: Slow\non: { manual: {} }\nsteps:\n  - name: Wait a while\n    run: sleep 120\n',
          },
        },
      ],
      tokens: [{ token: ownerToken, login: 'ada' }],
    }),
    startModelStandIn({
      keys: ['sk-model-e2e'],
      scripts: [
        { name: 'read', match: { turn: 0 }, reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'src/add.js' } }], usage: { output: 20 } } },
        { name: 'edit', match: { turn: 1 }, reply: { toolCalls: [{ name: 'edit_file', arguments: { path: 'src/add.js', search: 'a - b', replace: 'a + b' } }], usage: { output: 30 } } },
        { name: 'finish', match: { turn: 2 }, reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'add() now adds' } }], usage: { output: 20 } } },
      ],
    }),
  ])
  edge = await startEdgeServer({
    preview: true,
    vars: {
      GITHUB_WEB_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_CLIENT_ID: 'workflow-client',
      STARTER_CREDITS: '5',
      MODEL_UPSTREAMS: JSON.stringify([{ name: 'e2e', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['e2e-*'] }]),
      MODEL_PRICES: JSON.stringify({ 'e2e-model': { input: 2, output: 8 } }),
    },
    secrets: {
      GITHUB_CLIENT_SECRET: 'workflow-secret',
      GITHUB_WEBHOOK_SECRET: webhookSecret,
      TOKEN_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'),
      MODEL_KEYS: JSON.stringify({ e2e: 'sk-model-e2e' }),
    },
  })
  github.state.addOAuthApp({ clientId: 'workflow-client', clientSecret: 'workflow-secret', name: 'Coder (workflows)', redirectUri: `${edge.url}/api/auth/github/callback` })
  github.state.webhooks.push({ url: `${edge.url}/api/github/webhook`, secret: webhookSecret })
}, 180_000)

afterAll(async () => {
  await edge?.stop()
  await github?.close()
  await models?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

async function api<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(p, { method: m, headers: b === undefined ? {} : { 'content-type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) })
      return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) }
    },
    [method, path, body] as const,
  ) as Promise<{ status: number; body: T }>
}

const gh = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${github.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Runs `npx coder-runner … --once` (the package's bin) and resolves with its exit code and output. */
function runHeadlessRunner(token: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/coder-runner.mjs'), '--edge', edge.url, '--token', token, '--name', 'e2e-runner', '--once'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGTERM'), 240_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describe('workflows', () => {
  it('a labeled issue runs the repository’s workflow on the headless runner and ends in a pull request, step by step in the run view', { timeout: 420_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signInWithGitHub(page, edge.url, 'Coder (workflows)')

    // Connect the repository for workflows: the edge reads its workflow files from the default branch.
    const connected = await api<{ workflows: Array<{ path: string }> }>(page, 'POST', '/api/workflows/repos', { repo: 'ada/calc' })
    expect(connected.status).toBeLessThan(300)
    const listed = await api<{ workflows: Array<{ path: string; name: string; problems: unknown }> }>(page, 'GET', '/api/workflows/repos/ada/calc/workflows')
    expect(listed.body.workflows).toEqual([expect.objectContaining({ path: '.coder/workflows/fix.yml', name: 'Fix labeled issues' })])

    // A runner token (the IDE's Settings → Runners does the same), and the headless runner with it.
    const created = await api<{ token: string }>(page, 'POST', '/api/runners/tokens', { name: 'e2e runner' })
    expect(created.status).toBe(201)
    const runner = runHeadlessRunner(created.body.token)

    // Someone labels an issue `coder` on GitHub.
    const issue = await gh<{ number: number }>('POST', '/repos/ada/calc/issues', { title: 'add() subtracts', body: 'add(2, 3) should be 5' })
    await gh('POST', `/repos/ada/calc/issues/${issue.number}/labels`, { labels: ['coder'] })
    await github.deliveriesSettled()
    const delivery = github.state.deliveries.find((d) => d.event === 'issues' && d.action === 'labeled')
    expect(delivery?.status).toBe(202)

    const { code, output } = await runner
    expect(output).toMatch(/succeeded/)
    expect(code, output).toBe(0)

    // The pull request on GitHub: from the workflow's branch, with the fix, labeled, and the issue's comment pointing at it.
    const pulls = await gh<Array<{ number: number; html_url: string; title: string; body: string; head: { ref: string }; base: { ref: string }; labels: Array<{ name: string }> }>>('GET', '/repos/ada/calc/pulls')
    expect(pulls).toHaveLength(1)
    expect(pulls[0]).toMatchObject({ title: `Fix #${issue.number}: add() subtracts`, base: { ref: 'main' }, labels: [{ name: 'coder' }] })
    expect(pulls[0]!.head.ref).toMatch(/^coder\/wf-fix-labeled-issues-[0-9a-f]{8}$/)
    expect(pulls[0]!.body).toContain(`Fixes #${issue.number}`)
    const clone = join(root, 'check')
    await git('clone', '-q', '-b', pulls[0]!.head.ref, `http://x-access-token:${ownerToken}@${new URL(github.gitUrl).host}/ada/calc.git`, clone)
    expect(await git('-C', clone, 'show', 'HEAD:src/add.js')).toBe('exports.add = (a, b) => a + b\n')
    // The build's output was published, never committed.
    expect((await git('-C', clone, 'show', '--name-only', '--format=', 'HEAD')).trim().split('\n')).toEqual(['src/add.js'])

    // The run at the edge: every step succeeded, its trace names the runner, the PR is an artifact.
    const runs = await api<{ runs: Array<{ id: string; status: string }> }>(page, 'GET', '/api/workflows/repos/ada/calc/runs')
    expect(runs.body.runs).toEqual([expect.objectContaining({ status: 'succeeded' })])
    const runId = runs.body.runs[0]!.id
    type Step = { name: string; status: string; log: string; output?: { values?: Record<string, string> } }
    const run = await api<{ steps: Step[]; trace: Array<{ type: string; by: string }>; trigger: { summary: string } }>(page, 'GET', `/api/workflows/runs/${runId}`)
    expect(run.body.steps.map((s) => [s.name, s.status])).toEqual([
      ['Fix the issue', 'succeeded'],
      ['Run the tests', 'succeeded'],
      ['Deploy a preview', 'succeeded'],
      ['Open a pull request', 'succeeded'],
      ['Say where', 'succeeded'],
    ])
    expect(run.body.trace).toContainEqual(expect.objectContaining({ type: 'claimed', by: 'runner:e2e-runner' }))

    // The preview: built from the fixed code, served on its own origin, linked from the pull request and the comment.
    const deployed = run.body.steps[2]!
    const deploymentId = deployed.output?.values?.id ?? ''
    const previewUrl = edge.previewOrigin(deploymentId)
    expect(deployed.output?.values).toEqual({ id: deploymentId, url: previewUrl })
    expect(deployed.log).toContain(`Deployed 1 file (1 uploaded, rest unchanged): ${previewUrl}`)
    expect(pulls[0]!.body).toContain(`**Preview:** ${previewUrl}`)
    const served = await edge.previewFetch(deploymentId, '/')
    expect(served.status).toBe(200)
    expect(await served.text()).toContain('<p>2 + 3 = 5</p>')
    const comments = await gh<Array<{ body: string }>>('GET', `/repos/ada/calc/issues/${issue.number}/comments`)
    expect(comments.map((c) => c.body)).toContain(`Opened ${pulls[0]!.html_url} (preview ${deploymentId})`)

    // The same run in the IDE's run view, step by step, with the pull request's link.
    await page.goto(`${edge.url}/workflows/runs/${runId}`)
    const timeline = page.getByRole('list', { name: 'Steps' })
    await expect.poll(() => timeline.getByRole('listitem').count(), { timeout: 30_000 }).toBe(5)
    await expect.poll(() => timeline.textContent()).toMatch(/Fix the issue[\s\S]*Run the tests[\s\S]*Deploy a preview[\s\S]*Open a pull request[\s\S]*Say where/)
    expect(await timeline.locator('[data-status]').evaluateAll((items) => items.map((i) => i.getAttribute('data-status')))).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'])
    await timeline.getByRole('button', { name: /Open a pull request/ }).click()
    expect(await timeline.getByRole('link', { name: `#${pulls[0]!.number}` }).getAttribute('href')).toBe(pulls[0]!.html_url)
    await timeline.getByRole('button', { name: /Fix the issue/ }).click()
    await expect.poll(() => page.getByLabel('Log of Fix the issue').textContent()).toContain('edit_file')

    // The repository's project in the IDE shares its deployments: the workflow's preview is listed
    // there, and promoting it makes it the repository's production, at name--owner.
    await page.goto(edge.url)
    await page.getByText('Your GitHub repositories').click()
    await page.getByRole('button', { name: 'Import ada/calc' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    await page.getByRole('button', { name: 'Deployments', exact: true }).click()
    const deployments = page.getByRole('region', { name: 'Deployments', exact: true })
    await expect.poll(() => deployments.locator('.deployments-shared').textContent(), { timeout: 30_000 }).toContain('Shared with the members of ada/calc')
    const preview = deployments.getByRole('list', { name: 'Deployments', exact: true }).getByRole('listitem', { name: `Deployment ${deploymentId.slice(0, 8)}` })
    await expect.poll(() => preview.textContent(), { timeout: 30_000 }).toMatch(/^\w{8}Ready/)
    await preview.getByRole('button', { name: 'Promote to production' }).click()
    await expect.poll(() => deployments.getByTestId('production-deployment').textContent()).toBe(deploymentId.slice(0, 8))
    expect(await deployments.getByRole('region', { name: 'Production' }).getByRole('link').getAttribute('href')).toBe(edge.previewOrigin('calc--ada'))
    expect(await (await edge.previewFetch('calc--ada', '/')).text()).toContain('<p>2 + 3 = 5</p>')
    await context.close()
  })
  it('Run now in the IDE queues a run this tab runs; the pull request waits for approval in the run view; a write outside the allowed directories fails its step; a granted secret is masked and never pushed; Stop in the status bar cancels the tab’s job', { timeout: 420_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signInWithGitHub(page, edge.url, 'Coder (workflows)')
    expect((await api(page, 'POST', '/api/workflows/repos', { repo: 'ada/notes' })).status).toBeLessThan(300)
    await page.getByText('Your GitHub repositories').click()
    await page.getByRole('button', { name: 'Import ada/notes' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    const projectUrl = page.url()
    await expect.poll(() => page.locator('.project-name').textContent(), { timeout: 60_000 }).toBe('notes')

    // This tab runs workflow jobs.
    await page.getByLabel('Run workflow jobs in this tab').check()

    // Workflows page → Run now, with the note as input.
    await page.keyboard.press('Control+Shift+P')
    await page.getByLabel('Type a command').fill('>Workflows: Open')
    await page.getByRole('option', { name: /^Workflows: Open/ }).click()
    await page.getByRole('button', { name: 'Run Add a note now' }).click()
    const dialog = page.getByRole('dialog', { name: 'Run Add a note' })
    await dialog.getByLabel(/note/).fill('buy "milk"; and $(eggs)')
    await dialog.getByRole('button', { name: 'Run' }).click()
    await page.waitForURL(/\/workflows\/runs\/[\w-]+$/)
    const runId = /\/workflows\/runs\/([\w-]+)$/.exec(page.url())![1]!

    // The tab claims it; the pull request step waits for a person.
    const timeline = page.getByRole('list', { name: 'Steps' })
    const statuses = () => timeline.locator('[data-status]').evaluateAll((items) => items.map((i) => i.getAttribute('data-status')))
    await expect.poll(statuses, { timeout: 180_000 }).toEqual(['succeeded', 'succeeded', 'waiting'])
    expect(await gh<unknown[]>('GET', '/repos/ada/notes/pulls')).toEqual([])
    await page.getByRole('group', { name: 'Approve Propose it' }).getByRole('button', { name: 'Approve' }).click()

    // Approved: a runner (this tab again) resumes at the pull request, with the note the first claim wrote.
    await expect.poll(statuses, { timeout: 180_000 }).toEqual(['succeeded', 'succeeded', 'succeeded'])
    const pulls = await gh<Array<{ title: string; head: { ref: string } }>>('GET', '/repos/ada/notes/pulls')
    expect(pulls.map((p) => p.title)).toEqual(['Note: buy "milk"; and $(eggs)'])
    const clone = join(root, 'notes')
    await git('clone', '-q', '-b', pulls[0]!.head.ref, `http://x-access-token:${ownerToken}@${new URL(github.gitUrl).host}/ada/notes.git`, clone)
    expect(await git('-C', clone, 'show', 'HEAD:notes/today.txt')).toBe('buy "milk"; and $(eggs)\n')
    const run = await api<{ status: string; trace: Array<{ type: string; by: string }> }>(page, 'GET', `/api/workflows/runs/${runId}`)
    expect(run.body.status).toBe('succeeded')
    expect(run.body.trace.map((t) => t.type)).toEqual(expect.arrayContaining(['approval-requested', 'approved']))
    expect(run.body.trace.filter((t) => t.type === 'claimed')).toHaveLength(2)

    // A workflow that writes outside notes/ fails that step, and opens nothing.
    const stray = await api<{ run: { id: string } }>(page, 'POST', '/api/workflows/repos/ada/notes/runs', { path: '.coder/workflows/stray.yml' })
    expect(stray.status).toBe(201)
    await page.goto(`${edge.url}/workflows/runs/${stray.body.run.id}`)
    await expect.poll(statuses, { timeout: 180_000 }).toEqual(['failed', 'pending'])
    await timeline.getByRole('button', { name: /Write outside notes/ }).click()
    await expect.poll(() => timeline.textContent()).toContain('Wrote outside the directories this workflow may change (notes/): README.md')
    expect(await gh<unknown[]>('GET', '/repos/ada/notes/pulls')).toHaveLength(1)

    // A secret the policy grants: the command gets it, its log shows *** instead, and a file holding it is never pushed.
    expect((await api(page, 'PUT', '/api/workflows/repos/ada/notes/secrets/NOTE_TOKEN', { value: 'sekrit-4711' })).status).toBeLessThan(300)
    const leak = await api<{ run: { id: string } }>(page, 'POST', '/api/workflows/repos/ada/notes/runs', { path: '.coder/workflows/leak.yml' })
    await expect.poll(async () => (await api<{ status: string }>(page, 'GET', `/api/workflows/runs/${leak.body.run.id}`)).body.status, { timeout: 180_000 }).toBe('failed')
    const leaked = await api<{ steps: Array<{ status: string; error?: string }> }>(page, 'GET', `/api/workflows/runs/${leak.body.run.id}`)
    expect(leaked.body.steps.map((st) => [st.status, st.error ?? ''])).toEqual([
      ['succeeded', ''],
      ['failed', expect.stringContaining('notes/leak.txt contains one of this run’s secrets')],
    ])
    await page.goto(`${edge.url}/workflows/runs/${leak.body.run.id}`)
    await expect.poll(statuses).toEqual(['succeeded', 'failed'])
    await timeline.getByRole('button', { name: /Use the token/ }).click()
    await timeline.getByRole('button', { name: /Propose/ }).click()
    await expect.poll(() => page.getByLabel('Log of Use the token').textContent()).toContain('token is ***')
    expect(await page.locator('body').textContent()).not.toContain('sekrit-4711')
    await expect.poll(() => timeline.textContent()).toContain('notes/leak.txt contains one of this run’s secrets')
    expect(JSON.stringify((await api(page, 'GET', `/api/workflows/runs/${leak.body.run.id}`)).body)).not.toContain('sekrit-4711')
    expect(await gh<unknown[]>('GET', '/repos/ada/notes/pulls')).toHaveLength(1)

    // While the tab runs a job, the status bar says which and where; Stop cancels the run.
    const slow = await api<{ run: { id: string } }>(page, 'POST', '/api/workflows/repos/ada/notes/runs', { path: '.coder/workflows/slow.yml' })
    await page.goto(projectUrl)
    const running = page.getByRole('status').filter({ hasText: 'Running Slow · Wait a while' })
    await running.waitFor({ timeout: 120_000 })
    await running.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(async () => (await api<{ status: string }>(page, 'GET', `/api/workflows/runs/${slow.body.run.id}`)).body.status, { timeout: 30_000 }).toBe('cancelled')
    await running.waitFor({ state: 'detached', timeout: 30_000 })
    await context.close()
  })
})
