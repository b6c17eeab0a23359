import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Download, Page } from 'playwright-core'
import type { AgentEvent, RunUsage } from '../shared/agent'
import { toJUnitXml, type TestReport } from '../shared/runtime'
import { startGitServer, type GitServer } from '../standins/git-server'
import { startModelStandIn, type ModelStandIn } from '../standins/models'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { makeRepo } from './support/fixtures'
import { importThroughUi, signInByEmail } from './support/ide'

/** A download's content, read through Playwright (the browser may be remote, so there is no local path). */
async function downloaded(download: Download): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// The run history on the real edge (wrangler dev): the agent worker's run recorder
// (worker/agent/host/run-record.ts, loaded into the page as it is) records a run — its record,
// its events in batches, its artifacts, its end — through the edge's /api/runs; the Runs page lists
// it, replays its events and downloads its artifacts; the credits page links the run's spending to
// it. Signed out, the recorder records nothing and the run goes on; offline, it records once the
// connection is back.
let browser: Browser
let edge: EdgeServer
let models: ModelStandIn
let git: GitServer
const root = mkdtempSync(join(tmpdir(), 'coder-runs-e2e-'))
let context: BrowserContext
let page: Page
let recorderCode: string
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/** The recorder module as the agent worker gets it, built by Vite into one ES module. */
function buildRecorder(): string {
  const out = mkdtempSync(join(tmpdir(), 'coder-recorder-'))
  try {
    const script = `
      const { build } = await import('vite')
      await build({ configFile: false, logLevel: 'warn', build: { outDir: ${JSON.stringify(out)}, emptyOutDir: true, minify: false, lib: { entry: 'worker/agent/host/run-record.ts', formats: ['es'], fileName: 'run-record' } } })
    `
    const built = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } })
    if (built.status !== 0) throw new Error(`building the recorder failed:\n${built.stdout}${built.stderr}`)
    return readFileSync(join(out, 'run-record.js'), 'utf8')
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

beforeAll(async () => {
  recorderCode = buildRecorder()
  await makeRepo(join(root, 'calc.git'), { files: [{ path: 'src/add.js', content: 'exports.add = (a, b) => a - b\n' }], commits: [] })
  ;[browser, git, models] = await Promise.all([
    connectBrowser(),
    startGitServer({ root }),
    startModelStandIn({ keys: ['sk-model-e2e'], scripts: [{ name: 'hello', match: { contains: 'hello' }, reply: { text: 'Hello!', usage: { input: 1000, output: 500 } } }] }),
  ])
  edge = await startEdgeServer({
    vars: {
      EMAIL_DELIVERY: 'dev-mailbox',
      STARTER_CREDITS: '5',
      MODEL_UPSTREAMS: JSON.stringify([{ name: 'e2e', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['e2e-*'] }]),
      MODEL_PRICES: JSON.stringify({ 'e2e-*': { input: 2, output: 8 } }),
    },
    secrets: { MODEL_KEYS: JSON.stringify({ e2e: 'sk-model-e2e' }) },
  })
}, 240_000)

/** Signs in once (the sign-in polls, which only a test may do). */
let signedIn: Promise<void> | null = null
const signIn = () =>
  (signedIn ??= (async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
    page = await context.newPage()
    page.on('pageerror', (e) => console.log('[pageerror]', e.message))
    await signInByEmail(page, edge.url, 'runner@example.com')
  })())

afterAll(async () => {
  await context?.close()
  await edge?.stop()
  await models?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

afterEach(async (test) => {
  if (test.task.result?.state === 'fail' && page) await page.screenshot({ path: join(process.cwd(), 'test-results', `runs-${test.task.name.slice(0, 30).replace(/\W+/g, '-')}.png`) }).catch(() => undefined)
})

/** Loads the recorder module into `p` as `globalThis.recorder`. */
async function loadRecorder(p: Page) {
  // A string, so that the test runner's transform leaves its import() alone.
  await p.evaluate(`(async (code) => {
    const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }))
    globalThis.recorder = await import(url)
  })(${JSON.stringify(recorderCode)})`)
}

/** What the spec uses of worker/agent/host/run-record.ts (the module itself is built for the page, not imported here). */
interface RecorderModule {
  RUN_ARTIFACTS: { patch: string }
  createRunRecorder(options: { origin: string; batchMs?: number; retry?: { attempts?: number; delayMs?: number } }): {
    readonly state: string
    start(run: { runId: string; project: string; task: string; model: string; budget: object; startedAt?: number }): void
    event(event: AgentEvent): void
    artifact(name: string, contentType: string, bytes: string): void
    testReport(report: TestReport): void
    finish(outcome: object): Promise<string>
  }
  formatPatch(commit: { oid: string; message: string; author: { name: string; email: string }; date: number; diff: string }): string
}

const usage: RunUsage = { turns: 3, inputTokens: 1200, outputTokens: 70, costMicros: 12_345, elapsedMs: 4200 }
const branch = 'coder/fix-add-in-src-add-js-1a2b3c'
const oid = '5f'.repeat(20)
const pr = 'https://github.com/coder-dev/calc/pull/7'
const task = 'Fix add in src/add.js\nIt subtracts.'

function runEvents(runId: string, t0: number): AgentEvent[] {
  return [
    { type: 'run-started', runId, task, model: 'e2e-model', budget: { maxTurns: 5 }, at: t0 },
    { type: 'turn-started', turn: 1, at: t0 + 10 },
    { type: 'text', text: 'Reading the code ' },
    { type: 'text', text: 'first.' },
    { type: 'tool-started', id: 't1', name: 'read_file', input: { path: 'src/add.js' }, at: t0 + 20 },
    { type: 'tool-finished', id: 't1', name: 'read_file', result: { ok: true, output: 'exports.add = (a, b) => a - b' }, durationMs: 4 },
    { type: 'turn-started', turn: 2, at: t0 + 30 },
    { type: 'tool-started', id: 't2', name: 'edit_file', input: { path: 'src/add.js', search: 'a - b', replace: 'a + b' }, at: t0 + 40 },
    { type: 'tool-finished', id: 't2', name: 'edit_file', result: { ok: true, output: 'Edited src/add.js' }, durationMs: 3 },
    { type: 'usage', usage },
    { type: 'test-report', report: { command: 'npm test', passed: 1, failed: 0, skipped: 0, total: 1, failures: [], durationMs: 80 } },
    { type: 'commit', branch, oid, message: 'add() adds\n', files: 1 },
    { type: 'push', branch, oid, url: 'http://127.0.0.1:9/calc.git' },
    { type: 'pr-opened', number: 7, url: pr },
    { type: 'run-stopped', reason: 'finished', message: 'Finished.', summary: 'add() subtracted; it adds now.', usage, at: t0 + 4200 },
  ]
}

const report: TestReport = {
  id: '20240603-120405-abcdef',
  runner: 'node-test',
  command: 'npm test',
  startedAt: 1_717_416_245_000,
  durationMs: 80,
  files: [{ file: 'test/add.test.js', durationMs: 60, error: null }],
  tests: [{ file: 'test/add.test.js', suites: [], name: 'adds <numbers> & "more"', status: 'passed', durationMs: 2, failure: null }],
  counts: { passed: 1, failed: 0, skipped: 0, todo: 0, total: 1 },
}

const diff = 'diff --git a/src/add.js b/src/add.js\n--- a/src/add.js\n+++ b/src/add.js\n@@ -1,1 +1,1 @@\n-exports.add = (a, b) => a - b\n+exports.add = (a, b) => a + b\n'

/** Records a whole run through the recorder in the page, its events in two batches; resolves to the recorder's final state and the patch it stored. */
async function recordRun(p: Page, runId: string, options: { wait?: boolean } = {}) {
  const events = runEvents(runId, Date.now() - 5000)
  return p.evaluate(
    async ({ runId, events, report, diff, branch, oid, pr, task, wait }) => {
      const m = (globalThis as unknown as { recorder: RecorderModule }).recorder
      const recorder = m.createRunRecorder({ origin: location.origin, batchMs: 200, retry: { attempts: 3, delayMs: 200 } })
      ;(globalThis as unknown as { current: unknown }).current = recorder
      recorder.start({ runId, project: 'calc', task, model: 'e2e-model', budget: { maxTurns: 5 }, startedAt: events[0]!.type === 'run-started' ? events[0]!.at : Date.now() })
      for (const [i, e] of events.entries()) {
        recorder.event(e)
        // Half the events now, the rest after the first batch went out.
        if (i === 6) await new Promise((r) => setTimeout(r, 500))
      }
      const patch = m.formatPatch({ oid, message: 'add() adds\n\nIt subtracted.\n', author: { name: 'MechaCoder', email: 'mechacoder@users.noreply.coder.dev' }, date: Date.UTC(2024, 5, 3, 12, 4, 5), diff })
      recorder.testReport(report)
      recorder.artifact(m.RUN_ARTIFACTS.patch, 'text/x-patch', patch)
      const last = events.at(-1) as Extract<AgentEvent, { type: 'run-stopped' }>
      const finished = recorder.finish({ stopped: last, commit: { branch, oid }, pullRequest: { number: 7, url: pr }, changes: [{ path: '/src/add.js', kind: 'modified' }] })
      ;(globalThis as unknown as { finished: Promise<string> }).finished = finished
      return { state: wait === false ? recorder.state : await finished, patch }
    },
    { runId, events, report, diff, branch, oid, pr, task, wait: options.wait },
  )
}

const api = <T,>(p: Page, path: string) => p.evaluate(async (path) => {
  const res = await fetch(path)
  return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : await res.text() }
}, path) as Promise<{ status: number; body: T }>

describe('run history', () => {
  it('says so when there are no runs yet, and when a run does not exist', async () => {
    await signIn()
    await page.locator('header.top').getByRole('link', { name: 'Runs' }).click()
    await page.waitForURL(`${edge.url}/runs`)
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^No runs yet\. When MechaCoder works on a task/)
    const missing = crypto.randomUUID()
    await page.goto(`${edge.url}/runs/${missing}`)
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(`No run ${missing}Try again`)
  })

  it('records a run through the edge — events in order, artifacts, its end — and the Runs page lists it, replays it and downloads its artifacts', { timeout: 120_000 }, async () => {
    await signIn()
    await page.goto(`${edge.url}/runs`)
    await loadRecorder(page)
    const runId = crypto.randomUUID()
    const { state, patch } = await recordRun(page, runId)
    expect(state).toBe('done')

    // At the edge: the record with what the run left, its events in order (sent in more than one piece), the artifacts.
    const record = await api<Record<string, unknown> & { artifacts: Array<{ name: string; contentType: string }> }>(page, `/api/runs/${runId}`)
    expect(record.body).toMatchObject({ id: runId, project: 'calc', kind: 'agent', title: 'Fix add in src/add.js', status: 'succeeded', reason: 'finished', cost: 0.012345, branch, commit: oid, pullRequest: pr })
    expect(record.body.events).toBeGreaterThan(1)
    expect((record.body.finishedAt as number) - (record.body.startedAt as number)).toBe(4200)
    expect(record.body.artifacts.map((a) => [a.name, a.contentType])).toEqual([
      ['changes.patch', 'text/x-patch'],
      ['junit.xml', 'application/xml'],
      ['test-report.json', 'application/json'],
      ['transcript.jsonl', 'application/x-ndjson'],
    ])
    const log = await api<string>(page, `/api/runs/${runId}/events`)
    const sent = runEvents(runId, 0).map((e) => e.type)
    expect(log.body.trim().split('\n').map((l) => (JSON.parse(l) as AgentEvent).type)).toEqual(sent)
    expect((await api<string>(page, `/api/runs/${runId}/artifacts/junit.xml`)).body).toBe(toJUnitXml(report))
    expect((await api<string>(page, `/api/runs/${runId}/artifacts/transcript.jsonl`)).body).toBe(log.body)

    // The Runs page lists it with its status, cost, branch and pull request.
    await page.getByRole('button', { name: 'Refresh' }).click()
    const row = page.locator(`tr[data-run="${runId}"]`)
    await expect.poll(() => row.locator('td').allTextContents()).toEqual(['Succeeded', 'Fix add in src/add.js', 'calc', 'just now', '4 s', '0.012 credits', branch, '#7'])
    expect(await row.getByRole('link', { name: '#7' }).getAttribute('href')).toBe(pr)

    // Opening it replays its events in order, as the Agent panel showed them.
    await row.getByRole('link', { name: 'Fix add in src/add.js' }).click()
    await page.waitForURL(`${edge.url}/runs/${runId}`)
    const feed = page.getByRole('list', { name: 'Run events' })
    const rows = ['Reading the code first.', /^✓read_file src\/add\.js4 ms/, /^✓edit_file src\/add\.js3 ms/, /^1 passed\s*npm test$/, `Committed 1 file on ${branch} as 5f5f5f5: add() adds`, `Pushed ${branch} to http://127.0.0.1:9/calc.git`, 'Opened pull request #7', 'Finished — Finished.add() subtracted; it adds now.']
    const texts = () => feed.locator('> li').allTextContents()
    await expect.poll(texts).toHaveLength(rows.length)
    ;(await texts()).forEach((text, i) => expect(text).toMatch(typeof rows[i] === 'string' ? new RegExp(`^${(rows[i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : rows[i]!))
    expect(await page.getByTestId('run-status').textContent()).toBe('Succeeded')
    expect(await page.getByTestId('run-usage').textContent()).toBe('3 model calls · 1,270 tokens · 0.012 credits')
    await feed.locator('.feed-tool summary').nth(1).click()
    expect(await feed.locator('.tool-diff').textContent()).toBe('- a - b\n+ a + b\n')

    // Replay: the feed starts again from nothing and fills up event by event.
    await page.getByRole('button', { name: 'Replay' }).click()
    expect(await feed.locator('> li').count()).toBeLessThan(rows.length)
    await expect.poll(texts).toHaveLength(rows.length)
    await expect.poll(() => page.getByRole('button', { name: 'Replay' }).count()).toBe(1)

    // Downloads: the patch as written, the test report.
    const downloads = page.getByRole('region', { name: 'Downloads' })
    expect(await downloads.getByRole('link').allTextContents()).toEqual(['Patch (git format-patch)', 'Test report (JSON)', 'Test report (JUnit XML)', 'Transcript (JSON Lines)', 'Pull request #7'])
    const [download] = await Promise.all([page.waitForEvent('download'), downloads.getByRole('link', { name: 'Patch (git format-patch)' }).click()])
    expect(download.suggestedFilename()).toBe('changes.patch')
    expect(await downloaded(download)).toBe(patch)
    expect(patch).toMatch(/^From 5f5f.* Mon Sep 17 00:00:00 2001\nFrom: MechaCoder <mechacoder@users\.noreply\.coder\.dev>\nDate: Mon, 3 Jun 2024 12:04:05 \+0000\nSubject: \[PATCH\] add\(\) adds\n\nIt subtracted\.\n---\n src\/add\.js \| 2 \+-\n 1 file changed, 1 insertion\(\+\), 1 deletion\(-\)\n\ndiff --git/)
    const [json] = await Promise.all([page.waitForEvent('download'), downloads.getByRole('link', { name: 'Test report (JSON)' }).click()])
    expect(JSON.parse(await downloaded(json))).toEqual(report)

    // The credits page's spending per run links to the run.
    await page.evaluate(async (runId) => {
      const res = await fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'coder-project': 'calc', 'coder-run': runId }, body: JSON.stringify({ model: 'e2e-model', max_tokens: 1000, messages: [{ role: 'user', content: 'hello' }] }) })
      if (!res.ok) throw new Error(await res.text())
    }, runId)
    await page.goto(`${edge.url}/credits`)
    const byRun = page.getByRole('region', { name: 'Usage' }).getByRole('img', { name: 'By run' })
    await expect.poll(() => byRun.locator(`a[href="/runs/${runId}"]`).count(), { timeout: 30_000 }).toBe(1)
    await byRun.locator(`a[href="/runs/${runId}"] rect`).click()
    await page.waitForURL(`${edge.url}/runs/${runId}`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Fix add in src/add.js')
  })

  it('shows one project’s runs from the project, and says when the list cannot be read offline', { timeout: 120_000 }, async () => {
    await signIn()
    await importThroughUi(page, edge.url, `${git.url}/calc.git`, 'calc')
    await page.locator('.project-bar').getByRole('button', { name: 'Runs' }).click()
    await page.waitForURL(`${edge.url}/runs?project=calc`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Runs of calc')
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(1)
    await page.goto(`${edge.url}/runs?project=other`)
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^No runs of other yet\./)

    await context.setOffline(true)
    try {
      await page.getByRole('button', { name: 'Refresh' }).click()
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('You are offline. Runs are kept by the server; they show here once you are back online.Try again')
    } finally {
      await context.setOffline(false)
    }
    await page.getByRole('alert').getByRole('button', { name: 'Try again' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^No runs of other yet\./)
  })

  it('records a run made offline once the connection is back, without holding the run', { timeout: 90_000 }, async () => {
    await signIn()
    await page.goto(`${edge.url}/runs`)
    await loadRecorder(page)
    const runId = crypto.randomUUID()
    await context.setOffline(true)
    let state: string
    try {
      ;({ state } = await recordRun(page, runId, { wait: false }))
      expect(['recording', 'waiting']).toContain(state)
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { current: { state: string } }).current.state)).toBe('waiting')
    } finally {
      await context.setOffline(false)
    }
    expect(await page.evaluate(() => (globalThis as unknown as { finished: Promise<string> }).finished)).toBe('done')
    const record = await api<{ status: string; events: number }>(page, `/api/runs/${runId}`)
    expect(record.body).toMatchObject({ status: 'succeeded' })
    const log = await api<string>(page, `/api/runs/${runId}/events`)
    expect(log.body.trim().split('\n')).toHaveLength(runEvents(runId, 0).length)
  })

  it('records nothing signed out, and the run goes on; the Runs page asks to sign in', async () => {
    const anonymous = await browser.newContext()
    try {
      const p = await anonymous.newPage()
      await p.goto(`${edge.url}/runs`)
      await expect.poll(() => p.getByRole('status').textContent()).toMatch(/^Sign in to see your runs\./)
      await loadRecorder(p)
      const { state } = await recordRun(p, crypto.randomUUID())
      expect(state).toBe('signed-out')
    } finally {
      await anonymous.close()
    }
  })
})
