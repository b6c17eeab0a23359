import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../env'
import { ApiError } from '../errors'
import type { WorkflowRunView } from '../../shared/workflow'
import { agentStep, answer, approvalStep, connect, person, pullRequestStep, queue, resetWorkflows, runner, runStep, workflow, type Person, type Runner } from '../test/workflows'
import { LOG_MAX_BYTES } from './run-object'

beforeEach(resetWorkflows)

const e = env as unknown as Env
const REPO = 'ada/app'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const stub = (id: string) => e.WORKFLOW_RUNS.get(e.WORKFLOW_RUNS.idFromName(id))
const getRun = (b: Person, id: string) => answer<WorkflowRunView>(b.request(`/api/workflows/runs/${id}`))
const runsRow = (id: string) => e.DB.prepare('SELECT status, cost_micros, pr_url, reason, finished_at, kind, title, project, user_id FROM runs WHERE id = ?').bind(id).first<Record<string, unknown>>()
const indexRow = (id: string) => e.DB.prepare('SELECT status, lease_expires, cost_micros, finished_at FROM workflow_runs WHERE id = ?').bind(id).first<Record<string, unknown>>()

async function team(overrides: Partial<Env> = {}) {
  const ada = await person('ada@example.com', overrides)
  const bob = await person('bob@example.com', overrides)
  await connect(REPO, ada.userId, bob.userId)
  return { ada, bob }
}

/** Starts and finishes step `index` under `job`'s lease, successfully unless told otherwise. */
async function doStep(r: Runner, runId: string, leaseToken: string, index: number, finish: Record<string, unknown> = { status: 'succeeded' }) {
  const started = await answer(r.call(runId, `steps/${index}/start`, { leaseToken }))
  expect(started).toMatchObject({ already: false, step: { status: 'running' } })
  return answer<{ run: WorkflowRunView; already: boolean }>(r.call(runId, `steps/${index}/finish`, { leaseToken, ...finish }))
}

// The lease and timeout tests wait out a real 1–2 s lease: seconds on a busy 2-core machine.
describe('workflow runs', () => {
  it('resumes a run on another runner when the first stops heartbeating: finished steps are not redone, the stale lease is refused', { timeout: 20_000 }, async () => {
    const { ada } = await team()
    const fast = { WORKFLOW_LEASE_SECONDS: '2' }
    const a = await runner(ada, 'runner-a', fast)
    const b = await runner(ada, 'runner-b', fast)
    const id = await queue(REPO, workflow([agentStep('fix'), runStep('test'), agentStep('summarize')]), ada.userId)
    expect(await runsRow(id)).toMatchObject({ kind: 'workflow', status: 'queued', title: 'Fix labeled issues', project: REPO, user_id: ada.userId })

    const jobA = (await a.claim())!
    expect(jobA).toMatchObject({ resumeAt: 0, leaseMs: 2000, source: 'name: Fix labeled issues\n', run: { id, status: 'running', lease: { runner: 'runner-a' } } })
    expect(await b.claim()).toBeNull() // the only run is taken
    const output = { summary: 'Patched the parser', values: { files: 2 }, workspace: [{ path: 'src/parse.ts', content: 'export {}\n' }], patch: '--- a/src/parse.ts\n+++ b/src/parse.ts\n@@ -1 +1 @@\n-x\n+export {}\n' }
    await doStep(a, id, jobA.leaseToken, 0, { status: 'succeeded', output, costMicros: 250_000 })
    await answer(a.call(id, 'steps/1/start', { leaseToken: jobA.leaseToken }))
    await answer(a.call(id, 'steps/1/log', { leaseToken: jobA.leaseToken, text: 'running tests…\n' }))

    // Runner A goes silent: past the lease, the alarm puts the run back in the queue.
    await sleep(2200)
    await runDurableObjectAlarm(stub(id)) // fires it now if workerd has not yet
    const requeued = await getRun(ada, id)
    expect(requeued).toMatchObject({ status: 'queued', costMicros: 250_000 })
    expect(requeued.lease).toBeUndefined()
    expect(requeued.steps.map((s) => [s.status, s.attempts])).toEqual([['succeeded', 1], ['pending', 1], ['pending', 0]])
    expect(requeued.trace.at(-1)).toMatchObject({ type: 'lease-expired', by: 'edge', step: 1, data: { runner: 'runner-a' } })
    expect(await indexRow(id)).toMatchObject({ status: 'queued', lease_expires: null })

    const jobB = (await b.claim())!
    expect(jobB.resumeAt).toBe(1)
    expect(jobB.run.steps[0]).toMatchObject({ status: 'succeeded', output })
    expect(jobB.leaseToken).not.toBe(jobA.leaseToken)

    // A wakes up: everything it sends under its old lease is refused.
    for (const [action, body] of [['heartbeat', {}], ['steps/1/finish', { status: 'succeeded' }], ['steps/1/log', { text: 'late' }], ['release', {}]] as const) {
      const res = await a.call(id, action, { leaseToken: jobA.leaseToken, ...body })
      expect(res.status).toBe(409)
      expect(await res.json()).toMatchObject({ error: { code: 'lease_lost', message: expect.stringMatching(/no longer holds the run/) } })
    }

    // B does not redo step 0, and finishing it again changes nothing.
    expect(await answer(b.call(id, 'steps/0/start', { leaseToken: jobB.leaseToken }))).toMatchObject({ already: true, step: { status: 'succeeded', attempts: 1 } })
    const again = await answer<{ run: WorkflowRunView; already: boolean }>(b.call(id, 'steps/0/finish', { leaseToken: jobB.leaseToken, status: 'failed', costMicros: 999 }))
    expect(again.already).toBe(true)
    expect(again.run.steps[0]).toMatchObject({ status: 'succeeded', costMicros: 250_000 })
    expect(await answer(b.call(id, 'heartbeat', { leaseToken: jobB.leaseToken }))).toEqual({ ok: true, cancelled: false })
    const step1 = await doStep(b, id, jobB.leaseToken, 1, { status: 'succeeded', costMicros: 0 })
    expect(step1.run.steps[1]).toMatchObject({ attempts: 2, status: 'succeeded', log: 'running tests…\n' })
    const done = await doStep(b, id, jobB.leaseToken, 2, { status: 'succeeded', costMicros: 50_000 })
    expect(done.run).toMatchObject({ status: 'succeeded', costMicros: 300_000, finishedAt: expect.any(Number) })
    expect(done.run.trace.map((t) => `${t.type}${t.step === undefined ? '' : `:${t.step}`}`)).toEqual([
      'queued',
      'claimed',
      'step-started:0',
      'step-finished:0',
      'step-started:1',
      'lease-expired:1',
      'claimed',
      'step-started:1',
      'step-finished:1',
      'step-started:2',
      'step-finished:2',
      'succeeded',
    ])
    expect(done.run.trace.filter((t) => t.type === 'claimed').map((t) => t.by)).toEqual(['runner:runner-a', 'runner:runner-b'])

    // The run's record (the Runs page) holds the same trace as its events, and each step's patch as an artifact.
    const recorded = (await (await ada.request(`/api/runs/${id}/events`)).text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; by: string })
    expect(recorded.map((r) => r.type)).toEqual(done.run.trace.map((t) => `workflow-${t.type}`))
    const record = await answer<{ status: string; artifacts: Array<{ name: string }> }>(ada.request(`/api/runs/${id}`))
    expect(record.status).toBe('succeeded')
    expect(record.artifacts.map((a) => a.name)).toContain(`step-1-${done.run.steps[0]!.id}.patch`)
    expect(await (await ada.request(`/api/runs/${id}/artifacts/step-1-${done.run.steps[0]!.id}.patch`)).text()).toBe(output.patch)
    expect(done.run.trace.find((t) => t.type === 'step-finished')).toMatchObject({ costMicros: 250_000, data: { summary: 'Patched the parser', outputs: { files: 2 } } })

    // The Runs page and the index follow.
    expect(await runsRow(id)).toMatchObject({ status: 'succeeded', cost_micros: 300_000, reason: 'finished', finished_at: expect.any(Number) })
    expect(await indexRow(id)).toMatchObject({ status: 'succeeded', cost_micros: 300_000, lease_expires: null, finished_at: expect.any(Number) })
    const page = await answer<{ runs: Array<{ id: string; kind: string; cost: number }> }>(ada.request('/api/runs'))
    expect(page.runs).toEqual([expect.objectContaining({ id, kind: 'workflow', cost: 0.3 })])
    // An ended run is claimed by no one.
    expect(await a.claim()).toBeNull()
  })

  it('treats a lease that ran out as free at the next claim, even before the alarm has fired', { timeout: 20_000 }, async () => {
    const { ada } = await team()
    const a = await runner(ada, 'a', { WORKFLOW_LEASE_SECONDS: '1' })
    const id = await queue(REPO, workflow([agentStep('fix')]), ada.userId)
    const jobA = (await a.claim())!
    await answer(a.call(id, 'steps/0/start', { leaseToken: jobA.leaseToken }))
    await runInDurableObject(stub(id), (_object, state) => state.storage.deleteAlarm())
    await sleep(1200)
    expect(await indexRow(id)).toMatchObject({ status: 'running' }) // nothing noticed yet
    const jobB = (await a.claim())!
    expect(jobB).toMatchObject({ resumeAt: 0, run: { status: 'running', steps: [{ status: 'pending', attempts: 1 }] } })
    expect(jobB.run.trace.slice(-2).map((t) => t.type)).toEqual(['lease-expired', 'claimed'])
  })

  it('waits for a person at an approval step and before a push; under approvers: others the author may not approve', async () => {
    const { ada, bob } = await team()
    const r = await runner(ada, 'box')
    const wf = workflow([agentStep('fix'), approvalStep('check'), pullRequestStep('pr')], { policies: { approvalBeforePush: true, approvers: 'others' } })
    const id = await queue(REPO, wf, ada.userId)
    const job = (await r.claim())!
    await doStep(r, id, job.leaseToken, 0)

    // The approval step: the run waits, the runner's lease is let go.
    expect(await answer(r.call(id, 'steps/1/start', { leaseToken: job.leaseToken }))).toMatchObject({ waiting: true, step: { status: 'waiting' } })
    const waiting = await getRun(bob, id)
    expect(waiting).toMatchObject({ status: 'waiting', steps: [{}, { status: 'waiting' }, { status: 'pending' }] })
    expect(waiting.lease).toBeUndefined()
    expect(waiting.trace.at(-1)).toMatchObject({ type: 'approval-requested', step: 1, data: { message: 'Look at the patch', approvers: 'others' } })
    expect((await runsRow(id))!.status).toBe('waiting')
    expect((await r.call(id, 'heartbeat', { leaseToken: job.leaseToken })).status).toBe(409)
    expect(await r.claim()).toBeNull() // a waiting run is no one's to claim

    const byAuthor = await ada.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved' })
    expect(byAuthor.status).toBe(403)
    expect(await byAuthor.json()).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/You started this run.*approved by someone else.*policies\.approvers: others/) } })
    expect((await getRun(ada, id)).status).toBe('waiting')

    const approved = await answer<{ run: WorkflowRunView }>(bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved', note: 'Looks right' }))
    expect(approved.run).toMatchObject({ status: 'queued', steps: [{}, { status: 'succeeded', output: { approval: { decision: 'approved', by: 'bob@example.com', note: 'Looks right' } } }, {}] })
    expect(approved.run.trace.at(-1)).toMatchObject({ type: 'approved', by: `user:${bob.userId}`, step: 1 })
    expect((await bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved' })).status).toBe(409) // nothing waits now

    // The pull request under approvalBeforePush: another wait.
    const job2 = (await r.claim())!
    expect(job2.resumeAt).toBe(2)
    expect(await answer(r.call(id, 'steps/2/start', { leaseToken: job2.leaseToken }))).toMatchObject({ waiting: true })
    expect((await getRun(ada, id)).status).toBe('waiting')
    await answer(bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved' }))
    const job3 = (await r.claim())!
    expect(job3.resumeAt).toBe(2)
    const pr = { number: 7, url: 'https://github.com/ada/app/pull/7' }
    const done = await doStep(r, id, job3.leaseToken, 2, { status: 'succeeded', output: { pullRequest: pr, commit: { branch: 'coder/fix-1', oid: 'ab'.repeat(20) } } })
    expect(done.run).toMatchObject({ status: 'succeeded', steps: [{}, {}, { status: 'succeeded', attempts: 1, output: { pullRequest: pr } }] })
    expect(await runsRow(id)).toMatchObject({ status: 'succeeded', pr_url: pr.url })
  })

  it('holds a deploy step under approvalBeforePush as it holds a push: one approval lets the preview and the pull request through', async () => {
    const { ada, bob } = await team()
    const r = await runner(ada, 'box')
    const deploy = { kind: 'deploy', id: 'preview', name: 'Deploy a preview', preview: true, build: 'npm run build', output: 'dist', spa: false, visibility: 'public', continueOnError: false } as const
    const id = await queue(REPO, workflow([agentStep('fix'), deploy, pullRequestStep('pr')], { policies: { approvalBeforePush: true } }), ada.userId)
    const job = (await r.claim())!
    await doStep(r, id, job.leaseToken, 0)
    expect(await answer(r.call(id, 'steps/1/start', { leaseToken: job.leaseToken }))).toMatchObject({ waiting: true, step: { status: 'waiting' } })
    const waiting = await getRun(bob, id)
    expect(waiting).toMatchObject({ status: 'waiting', steps: [{ status: 'succeeded' }, { status: 'waiting' }, { status: 'pending' }] })
    expect(waiting.trace.at(-1)).toMatchObject({ type: 'approval-requested', step: 1, data: { message: 'Approve publishing the run\'s work as a preview ("Deploy a preview")' } })
    expect(await r.claim()).toBeNull()

    await answer(bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved' }))
    const job2 = (await r.claim())!
    expect(job2.resumeAt).toBe(1)
    await doStep(r, id, job2.leaseToken, 1, { status: 'succeeded', output: { values: { id: 'd1', url: 'http://d1.localhost' } } })
    const done = await doStep(r, id, job2.leaseToken, 2, { status: 'succeeded' })
    expect(done.run).toMatchObject({ status: 'succeeded', steps: [{ attempts: 1 }, { status: 'succeeded', attempts: 1 }, { status: 'succeeded', attempts: 1 }] })
  })

  it('fails the run when a person rejects it', async () => {
    const { ada, bob } = await team()
    const r = await runner(ada, 'box')
    const id = await queue(REPO, workflow([approvalStep('check'), agentStep('fix')]), ada.userId)
    const job = (await r.claim())!
    await answer(r.call(id, 'steps/0/start', { leaseToken: job.leaseToken }))
    const bad = await bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'maybe' })
    expect(bad.status).toBe(400)
    const rejected = await answer<{ run: WorkflowRunView }>(bob.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'rejected', note: 'Wrong approach' }))
    expect(rejected.run).toMatchObject({ status: 'failed', reason: 'Rejected by bob@example.com: Wrong approach', steps: [{ status: 'failed' }, { status: 'pending' }] })
    expect(rejected.run.trace.slice(-2).map((t) => t.type)).toEqual(['rejected', 'failed'])
    expect(await runsRow(id)).toMatchObject({ status: 'failed', reason: 'rejected' })
    expect(await r.claim()).toBeNull()
  })

  it('cancels a running run: the runner hears it at its next heartbeat and can do nothing more', async () => {
    const { ada, bob } = await team()
    const r = await runner(ada, 'box')
    const id = await queue(REPO, workflow([agentStep('fix'), agentStep('more')]), ada.userId)
    const job = (await r.claim())!
    await answer(r.call(id, 'steps/0/start', { leaseToken: job.leaseToken }))
    const cancelled = await answer<{ run: WorkflowRunView }>(bob.request(`/api/workflows/runs/${id}/cancel`, { method: 'POST' }))
    expect(cancelled.run).toMatchObject({ status: 'cancelled', reason: 'Cancelled by bob@example.com', steps: [{ status: 'cancelled' }, { status: 'pending' }] })
    expect(await answer(r.call(id, 'heartbeat', { leaseToken: job.leaseToken }))).toEqual({ ok: true, cancelled: true })
    const late = await r.call(id, 'steps/0/finish', { leaseToken: job.leaseToken, status: 'succeeded' })
    expect(late.status).toBe(409)
    expect(await late.json()).toMatchObject({ error: { message: expect.stringMatching(/The run has ended \(cancelled/) } })
    expect((await bob.request(`/api/workflows/runs/${id}/cancel`, { method: 'POST' })).status).toBe(409)
    expect(await runsRow(id)).toMatchObject({ status: 'cancelled', reason: 'cancelled' })
  })

  it('a released run goes back to the queue with its running step pending again', async () => {
    const { ada } = await team()
    const r = await runner(ada, 'box')
    const id = await queue(REPO, workflow([agentStep('fix')]), ada.userId)
    const job = (await r.claim())!
    await answer(r.call(id, 'steps/0/start', { leaseToken: job.leaseToken }))
    const released = await answer<{ run: WorkflowRunView }>(r.call(id, 'release', { leaseToken: job.leaseToken }))
    expect(released.run).toMatchObject({ status: 'queued', steps: [{ status: 'pending', attempts: 1 }] })
    expect(released.run.trace.at(-1)).toMatchObject({ type: 'released', by: 'runner:box', step: 0 })
    expect((await r.claim())!.resumeAt).toBe(0)
  })

  it('hands a run only the secrets its policy grants and masks them in logs and outputs; logs keep their last 64 KB', async () => {
    const { ada } = await team()
    const r = await runner(ada, 'box')
    const apiKey = 'sk-live-0123456789abcdef'
    for (const [name, value] of [['API_KEY', apiKey], ['DEPLOY_TOKEN', 'deploy-secret-value']]) {
      expect(await answer(ada.json(`/api/workflows/repos/${REPO}/secrets/${name}`, 'PUT', { value }))).toMatchObject({ name, updatedAt: expect.any(Number) })
    }
    const stored = await e.DB.prepare("SELECT value_ciphertext FROM workflow_secrets WHERE name = 'API_KEY'").first<{ value_ciphertext: string }>()
    expect(stored!.value_ciphertext).not.toContain(apiKey)
    const id = await queue(REPO, workflow([runStep('deploy')], { policies: { secrets: ['API_KEY', 'MISSING'] } }), ada.userId)
    const job = (await r.claim())!
    expect(await answer(r.call(id, 'secrets', { leaseToken: job.leaseToken }))).toEqual({ secrets: { API_KEY: apiKey }, missing: ['MISSING'] })
    expect((await r.call(id, 'secrets', { leaseToken: 'forged' })).status).toBe(409)

    await answer(r.call(id, 'steps/0/start', { leaseToken: job.leaseToken }))
    await answer(r.call(id, 'steps/0/log', { leaseToken: job.leaseToken, text: `curl -H "Authorization: ${apiKey}"\n` }))
    const finished = await answer<{ run: WorkflowRunView }>(
      r.call(id, 'steps/0/finish', { leaseToken: job.leaseToken, status: 'failed', error: `401 for ${apiKey}`, output: { summary: `used ${apiKey}`, values: { key: apiKey, n: 1 } } }),
    )
    const step = finished.run.steps[0]!
    expect(step.log).toBe('curl -H "Authorization: ***"\n')
    expect(step).toMatchObject({ error: '401 for ***', output: { summary: 'used ***', values: { key: '***', n: 1 } } })
    expect(JSON.stringify(finished.run)).not.toContain(apiKey)
    expect(finished.run).toMatchObject({ status: 'failed', reason: 'Step "Run npm test" failed: 401 for ***' })

    // The log cap: the tail of a long log is kept.
    const id2 = await queue(REPO, workflow([runStep('build')]), ada.userId)
    const job2 = (await r.claim())!
    await answer(r.call(id2, 'steps/0/start', { leaseToken: job2.leaseToken }))
    for (let i = 0; i < 3; i++) await answer(r.call(id2, 'steps/0/log', { leaseToken: job2.leaseToken, text: `${String(i).repeat(30_000)}\n` }))
    const log = (await getRun(ada, id2)).steps[0]!.log
    expect(new TextEncoder().encode(log).byteLength).toBe(LOG_MAX_BYTES)
    expect(log.endsWith(`${'2'.repeat(30_000)}\n`)).toBe(true)
    expect(log.startsWith('0')).toBe(true)
  })

  it('keeps secrets to members, validates them, and never shows their values', async () => {
    const { ada } = await team()
    const eve = await person('eve@example.com')
    expect((await ada.json(`/api/workflows/repos/${REPO}/secrets/bad-name`, 'PUT', { value: 'x' })).status).toBe(400)
    expect((await ada.json(`/api/workflows/repos/${REPO}/secrets/TOKEN`, 'PUT', { value: '' })).status).toBe(400)
    const big = await ada.json(`/api/workflows/repos/${REPO}/secrets/TOKEN`, 'PUT', { value: 'x'.repeat(32 * 1024 + 1) })
    expect(big.status).toBe(413)
    await answer(ada.json(`/api/workflows/repos/${REPO}/secrets/TOKEN`, 'PUT', { value: 'v1-secret' }))
    const list = await answer<{ secrets: unknown[] }>(ada.request(`/api/workflows/repos/${REPO}/secrets`))
    expect(list).toEqual({ secrets: [{ name: 'TOKEN', updatedAt: expect.any(Number) }] })
    expect((await eve.request(`/api/workflows/repos/${REPO}/secrets`)).status).toBe(404)
    expect((await eve.json(`/api/workflows/repos/${REPO}/secrets/TOKEN`, 'PUT', { value: 'hijack' })).status).toBe(404)
    expect((await eve.request(`/api/workflows/repos/${REPO}/secrets/TOKEN`, { method: 'DELETE' })).status).toBe(404)
    await answer(ada.request(`/api/workflows/repos/${REPO}/secrets/TOKEN`, { method: 'DELETE' }))
    expect((await ada.request(`/api/workflows/repos/${REPO}/secrets/TOKEN`, { method: 'DELETE' })).status).toBe(404)
    expect(await answer(ada.request(`/api/workflows/repos/${REPO}/secrets`))).toEqual({ secrets: [] })
  })

  it('fails a run whose steps spend more than budget.max_credits', async () => {
    const { ada } = await team()
    const r = await runner(ada, 'box')
    const id = await queue(REPO, workflow([agentStep('a'), agentStep('b'), agentStep('c')], { budget: { maxCredits: 1 } }), ada.userId)
    const job = (await r.claim())!
    expect((await doStep(r, id, job.leaseToken, 0, { status: 'succeeded', costMicros: 600_000 })).run.status).toBe('running')
    const over = await doStep(r, id, job.leaseToken, 1, { status: 'succeeded', costMicros: 500_000 })
    expect(over.run).toMatchObject({ status: 'failed', costMicros: 1_100_000, reason: expect.stringMatching(/^Over budget: the run spent 1\.1 credits, more than its 1/), steps: [{}, { status: 'succeeded' }, { status: 'pending' }] })
    expect(await runsRow(id)).toMatchObject({ status: 'failed', reason: 'budget', cost_micros: 1_100_000 })
    expect((await r.call(id, 'steps/2/start', { leaseToken: job.leaseToken })).status).toBe(409)
  })

  it('fails a run that runs past budget.timeout_minutes', { timeout: 20_000 }, async () => {
    const { ada } = await team()
    const r = await runner(ada, 'box')
    const id = await queue(REPO, workflow([agentStep('slow')], { budget: { timeoutMinutes: 0.02 } }), ada.userId)
    const job = (await r.claim())!
    await answer(r.call(id, 'steps/0/start', { leaseToken: job.leaseToken }))
    await sleep(1500)
    await runDurableObjectAlarm(stub(id))
    expect(await answer(r.call(id, 'heartbeat', { leaseToken: job.leaseToken }))).toEqual({ ok: true, cancelled: true })
    expect(await getRun(ada, id)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^Timed out/), steps: [{ status: 'cancelled' }] })
    expect(await runsRow(id)).toMatchObject({ status: 'failed', reason: 'timeout' })
  })

  it('refuses to queue a workflow that has spent its daily budget', async () => {
    const { ada } = await team()
    const r = await runner(ada, 'box')
    const wf = workflow([agentStep('fix')], { budget: { maxCreditsPerDay: 1 } })
    const id = await queue(REPO, wf, ada.userId)
    const job = (await r.claim())!
    await doStep(r, id, job.leaseToken, 0, { status: 'succeeded', costMicros: 1_000_000 })
    const refused = await queue(REPO, wf, ada.userId).then(
      () => null,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 402, code: 'payment_required', message: expect.stringMatching(/"Fix labeled issues" has spent its daily budget: 1 of 1 credits today/) })
    // Another workflow of the repository has its own budget.
    await expect(queue(REPO, wf, ada.userId, '.coder/workflows/other.yml')).resolves.toEqual(expect.any(String))
  })

  it('shows runs only to members of their repository, and hands runners only their repositories\' runs', async () => {
    const { ada } = await team()
    const eve = await person('eve@example.com')
    await connect('eve/own', eve.userId)
    const eveRunner = await runner(eve, 'eve-box')
    const id = await queue(REPO, workflow([agentStep('fix')]), ada.userId)
    for (const res of [
      await eve.request(`/api/workflows/runs/${id}`),
      await eve.json(`/api/workflows/runs/${id}/approval`, 'POST', { decision: 'approved' }),
      await eve.request(`/api/workflows/runs/${id}/cancel`, { method: 'POST' }),
      await eveRunner.call(id, 'heartbeat', { leaseToken: 'x' }),
    ]) {
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: `No workflow run ${id}` } })
    }
    expect(await eveRunner.claim()).toBeNull()
    expect(await eveRunner.claim(['eve/own'])).toBeNull()
    expect((await getRun(ada, id)).status).toBe('queued')
    // A runner can narrow its claim to some of its repositories.
    const adaRunner = await runner(ada, 'box')
    expect(await adaRunner.claim(['ada/other'])).toBeNull()
    expect((await adaRunner.claim(['ADA/App']))!.run.id).toBe(id)
    expect((await ada.request('/api/workflows/runs/not-a-uuid')).status).toBe(400)
  })
})
