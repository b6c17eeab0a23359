/**
 * One workflow run: a Durable Object (one per run, `idFromName(runId)`) whose SQLite storage holds
 * the run's state machine — its steps, their outputs and logs, the lease of the runner working on
 * it and the trace of every transition. Runners drive it (claim, heartbeat, step start/log/finish,
 * release) under a lease; people approve, reject or cancel it; its alarm takes the run back from a
 * runner that stopped heartbeating and ends a run that ran past its timeout.
 *
 * Every method runs synchronously from its first statement to its last state write, so the
 * object's single thread serializes transitions; only then does it mirror the run into D1
 * (`workflow_runs` for lists and the claim query, `runs` for the Runs page), one write after the
 * other, each with the state as it is when it is written.
 *
 * Refusals are values (`{ ok: false, status, code, message }`), not throws: they cross the RPC
 * boundary intact and the routes turn them into the API's errors.
 */
import { DurableObject } from 'cloudflare:workers'
import { randomToken } from '../auth/crypto'
import type { Env } from '../env'
import { appendRunEvents, storeRunArtifact } from '../runs'
import type { ApiErrorCode } from '../errors'
import type { StepOutput, StepState, StepStatus, TraceEvent, TriggerInfo, Workflow, WorkflowJob, WorkflowRunStatus, WorkflowRunView } from '../../shared/workflow'

/** A step's log keeps its last 64 KB. */
export const LOG_MAX_BYTES = 64 * 1024

/** What a refused call answers; the routes turn it into `{ error: { code, message } }` with that status. */
export type Refusal = { ok: false; status: 400 | 403 | 404 | 409; code: ApiErrorCode; message: string }
export type Outcome<T> = ({ ok: true } & T) | Refusal

/** What a run is created with (queue.ts). */
export interface RunInit {
  id: string
  repo: string
  path: string
  name: string
  source: string
  workflow: Workflow
  trigger: TriggerInfo
  inputs: Record<string, unknown>
  author: { id: string; name: string }
  baseRef: string
  /** Who queued it, for the trace (`user:<id>`, `github:<login>`, `cron`, `edge`). */
  by: string
}

/** How a runner finishes a step (the routes have validated and masked it). */
export interface StepResult {
  status: 'succeeded' | 'failed' | 'skipped'
  output?: StepOutput
  error?: string
  costMicros: number
}

/** The run as stored: the view's fields without steps and trace, plus what only the edge sees. */
interface RunRecord extends Omit<WorkflowRunView, 'steps' | 'trace' | 'lease'> {
  source: string
  workflow: Workflow
  lease: { token: string; runner: string; expiresAt: number } | null
  /** The lease held when the run ended, so its runner's next heartbeat hears "cancelled" rather than "lease lost". */
  endedLease?: string
  /** A person's answer to an `approvalBeforePush` gate. */
  pushApproval?: NonNullable<StepOutput['approval']>
  /** Short reason for the `runs` row (finished, step_failed, budget, timeout, rejected, cancelled). */
  reasonCode?: string
  /** Time spent running (held by runners) before the current lease: the timeout counts only that. */
  activeMs: number
  /** When the current lease began. */
  runningSince?: number
}

const FINAL_RUN = new Set<WorkflowRunStatus>(['succeeded', 'failed', 'cancelled'])
const FINISHED_STEP = new Set<StepStatus>(['succeeded', 'failed', 'skipped', 'cancelled'])

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (idx INTEGER PRIMARY KEY, state TEXT NOT NULL, log TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS trace (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL);
`

/** What a call under a lease answers, and whether it changed the run (the alarm and D1 then follow). */
const same = <R extends { ok: true } | Refusal>(result: R) => ({ changed: false, result })
const changed = <R extends { ok: true } | Refusal>(result: R) => ({ changed: true, result })

const refuse = (status: Refusal['status'], code: ApiErrorCode, message: string): Refusal => ({ ok: false, status, code, message })

/** The last `max` bytes of `text` in UTF-8, never starting inside a character. */
export function keepTail(text: string, max = LOG_MAX_BYTES): string {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength <= max) return text
  let start = bytes.byteLength - max
  while (start < bytes.byteLength && (bytes[start]! & 0xc0) === 0x80) start++
  return new TextDecoder().decode(bytes.subarray(start))
}

const credits = (micros: number) => `${Math.round(micros / 10_000) / 100}`

export class WorkflowRun extends DurableObject<Env> {
  #sql: SqlStorage
  #run: RunRecord | null = null
  #steps: StepState[] = []
  /** D1 writes, one after the other: each writes the state as it is when its turn comes. */
  #mirrored: Promise<void> = Promise.resolve()
  /** Trace events and artifacts not yet written to the run's record (D1 + R2), sent with the next mirroring. */
  #unrecorded: string[] = []
  #unstored: Array<{ name: string; contentType: string; text: string }> = []

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
    const row = this.#sql.exec<{ record: string }>('SELECT record FROM run WHERE id = 1').toArray()[0]
    if (row) {
      this.#run = JSON.parse(row.record) as RunRecord
      this.#steps = this.#sql
        .exec<{ state: string; log: string }>('SELECT state, log FROM steps ORDER BY idx')
        .toArray()
        .map((s) => ({ ...(JSON.parse(s.state) as StepState), log: s.log }))
    }
  }

  // ---- Storage --------------------------------------------------------------------------------

  #saveRun(now: number) {
    const run = this.#run!
    run.updatedAt = now
    this.#sql.exec('INSERT INTO run (id, record) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record', JSON.stringify(run))
  }

  #saveStep(step: StepState) {
    const { log, ...state } = step
    this.#sql.exec('INSERT INTO steps (idx, state, log) VALUES (?, ?, ?) ON CONFLICT (idx) DO UPDATE SET state = excluded.state, log = excluded.log', step.index, JSON.stringify(state), log)
  }

  #trace(event: TraceEvent) {
    this.#sql.exec('INSERT INTO trace (event) VALUES (?)', JSON.stringify(event))
    this.#unrecorded.push(JSON.stringify({ ...event, type: `workflow-${event.type}` }))
  }

  #traceEvents(): TraceEvent[] {
    return this.#sql.exec<{ event: string }>('SELECT event FROM trace ORDER BY seq').toArray().map((r) => JSON.parse(r.event) as TraceEvent)
  }

  /** Mirrors the run into D1 after the writes queued before it; resolves when this one is done. */
  #mirror(): Promise<void> {
    const events = this.#unrecorded.splice(0)
    const artifacts = this.#unstored.splice(0)
    this.#mirrored = this.#mirrored.then(async () => {
      // The run's record (the Runs page): each transition of the trace as an event, each step's patch and test report as artifacts.
      try {
        if (events.length) await appendRunEvents(this.env, this.#run!.id, events)
        for (const a of artifacts) await storeRunArtifact(this.env, this.#run!.id, a.name, a.contentType, new TextEncoder().encode(a.text))
      } catch (error) {
        console.error(`workflow run ${this.#run!.id}: recording the trace failed:`, error)
      }
      const run = this.#run!
      const prUrl = [...this.#steps].reverse().find((s) => s.output?.pullRequest)?.output?.pullRequest?.url ?? null
      try {
        await this.env.DB.batch([
          this.env.DB.prepare('UPDATE workflow_runs SET status = ?, lease_expires = ?, cost_micros = ?, updated_at = ?, finished_at = ? WHERE id = ?').bind(
            run.status,
            run.lease?.expiresAt ?? null,
            run.costMicros,
            run.updatedAt,
            run.finishedAt ?? null,
            run.id,
          ),
          this.env.DB.prepare('UPDATE runs SET status = ?, cost_micros = ?, pr_url = ?, reason = ?, finished_at = ?, updated_at = ? WHERE id = ?').bind(
            run.status,
            run.costMicros,
            prUrl,
            run.reasonCode ?? null,
            run.finishedAt ?? null,
            run.updatedAt,
            run.id,
          ),
        ])
      } catch (error) {
        // The run's own state is stored already; the next transition writes the whole row again.
        console.error(`workflow run ${run.id}: mirroring into D1 failed:`, error)
      }
    })
    return this.#mirrored
  }

  /** The alarm: at the lease's end, or the run's timeout, whichever comes first, while a runner holds it. */
  async #schedule() {
    const run = this.#run!
    const at = run.status === 'running' && run.lease ? Math.min(run.lease.expiresAt, this.#deadline() ?? Infinity) : null
    if (at === null) await this.ctx.storage.deleteAlarm()
    else await this.ctx.storage.setAlarm(at)
  }

  /** After a transition: the alarm set for the new state and D1 told. */
  async #committed() {
    await this.#schedule()
    await this.#mirror()
  }

  // ---- Reading --------------------------------------------------------------------------------

  #view(): WorkflowRunView {
    const { source: _source, workflow: _workflow, lease, endedLease: _ended, pushApproval: _push, reasonCode: _code, activeMs: _active, runningSince: _since, ...run } = this.#run!
    return {
      ...run,
      steps: this.#steps.map((s) => ({ ...s })),
      ...(lease ? { lease: { runner: lease.runner, expiresAt: lease.expiresAt } } : {}),
      trace: this.#traceEvents(),
    }
  }

  /** The run as GET /api/workflows/runs/:id shows it, or null when no run has this object's name. */
  view(): WorkflowRunView | null {
    return this.#run && this.#view()
  }

  /** Names of the secrets the run's policy grants (the routes mask their values in logs and outputs). */
  secretNames(): string[] {
    return this.#run?.workflow.policies.secrets ?? []
  }

  // ---- Time -----------------------------------------------------------------------------------

  /** When the run times out, counting only the time runners held it; null without a timeout or while no runner holds it. */
  #deadline(): number | null {
    const run = this.#run!
    const minutes = run.workflow.budget.timeoutMinutes
    if (!minutes || run.runningSince === undefined) return null
    return run.runningSince + minutes * 60_000 - run.activeMs
  }

  /** Ends the current lease (its time counted towards the timeout). */
  #dropLease(until: number) {
    const run = this.#run!
    if (run.runningSince !== undefined) run.activeMs += Math.max(0, until - run.runningSince)
    run.runningSince = undefined
    run.lease = null
  }

  /**
   * Applies what time alone decides: a run past its timeout fails; a lease past its end is taken
   * back (the run queued again, its running step pending again). True when something changed.
   */
  #lapse(now: number): boolean {
    const run = this.#run
    if (!run || run.status !== 'running' || !run.lease) return false
    const deadline = this.#deadline()
    if (deadline !== null && now >= deadline) {
      this.#end('failed', 'timeout', `Timed out: the run ran longer than its ${run.workflow.budget.timeoutMinutes} minute${run.workflow.budget.timeoutMinutes === 1 ? '' : 's'} (budget.timeoutMinutes)`, 'edge', now)
      return true
    }
    if (run.lease.expiresAt <= now) {
      const runner = run.lease.runner
      const expiredAt = run.lease.expiresAt
      this.#dropLease(expiredAt)
      run.status = 'queued'
      const step = this.#steps.find((s) => s.status === 'running')
      if (step) {
        step.status = 'pending'
        this.#saveStep(step)
      }
      this.#trace({ at: now, type: 'lease-expired', by: 'edge', ...(step ? { step: step.index } : {}), data: { runner, expiredAt } })
      this.#saveRun(now)
      return true
    }
    return false
  }

  override async alarm() {
    if (this.#lapse(Date.now())) await this.#committed()
    else if (this.#run) await this.#schedule()
  }

  // ---- Transitions ----------------------------------------------------------------------------

  /** Ends the run: running and waiting steps are cancelled, the lease is let go. */
  #end(status: 'succeeded' | 'failed' | 'cancelled', reasonCode: string, reason: string | undefined, by: string, now: number) {
    const run = this.#run!
    if (run.lease) run.endedLease = run.lease.token
    this.#dropLease(now)
    run.status = status
    run.finishedAt = now
    run.reasonCode = reasonCode
    if (reason !== undefined) run.reason = reason
    for (const step of this.#steps) {
      if (step.status === 'running' || step.status === 'waiting') {
        step.status = 'cancelled'
        step.finishedAt = now
        this.#saveStep(step)
      }
    }
    this.#trace({ at: now, type: status, by, ...(reason ? { data: { reason } } : {}), costMicros: run.costMicros })
    this.#saveRun(now)
  }

  /** Creates the run, queued (a repeat with the same id answers the run as it is). Mirrors it into D1 before answering. */
  async create(init: RunInit): Promise<WorkflowRunView> {
    if (!this.#run) {
      const now = Date.now()
      this.#run = {
        id: init.id,
        repo: init.repo,
        workflowPath: init.path,
        workflowName: init.name,
        status: 'queued',
        trigger: init.trigger,
        inputs: init.inputs,
        author: init.author,
        baseRef: init.baseRef,
        createdAt: now,
        updatedAt: now,
        costMicros: 0,
        source: init.source,
        workflow: init.workflow,
        lease: null,
        activeMs: 0,
      }
      this.#steps = init.workflow.steps.map((s, index) => ({ index, id: s.id, name: s.name, kind: s.kind, status: 'pending', costMicros: 0, attempts: 0, log: '' }))
      this.ctx.storage.transactionSync(() => {
        this.#saveRun(now)
        for (const step of this.#steps) this.#saveStep(step)
        this.#trace({ at: now, type: 'queued', by: init.by, data: { trigger: init.trigger.summary, inputs: init.inputs } })
      })
      const run = this.#run
      await this.env.DB.batch([
        this.env.DB.prepare(
          `INSERT INTO workflow_runs (id, repo, path, name, author_id, trigger_kind, trigger_summary, status, cost_micros, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT (id) DO NOTHING`,
        ).bind(run.id, run.repo, run.workflowPath, run.workflowName, run.author.id, run.trigger.kind, run.trigger.summary.slice(0, 300), now, now),
        this.env.DB.prepare(
          `INSERT INTO runs (id, user_id, project, kind, title, status, started_at, updated_at) VALUES (?, ?, ?, 'workflow', ?, 'queued', ?, ?) ON CONFLICT (id) DO NOTHING`,
        ).bind(run.id, run.author.id, run.repo, run.workflowName.slice(0, 300), now, now),
      ])
      await this.#mirror()
    }
    return this.#view()
  }

  /**
   * Hands the run to `runner` when it is free: queued, or running under a lease that has run out
   * (even before the alarm noticed). The job resumes at the first unfinished step. A run that is
   * not free answers 409.
   */
  async claim(runner: string, userId: string, leaseMs: number): Promise<Outcome<{ job: WorkflowJob }>> {
    const now = Date.now()
    const run = this.#run
    if (!run) return refuse(404, 'not_found', 'No such workflow run')
    const lapsed = this.#lapse(now)
    if (run.status !== 'queued') {
      if (lapsed) await this.#committed()
      return refuse(409, 'conflict', `The run is ${run.status}, not queued`)
    }
    const token = randomToken()
    run.status = 'running'
    run.lease = { token, runner, expiresAt: now + leaseMs }
    run.runningSince = now
    run.startedAt ??= now
    run.endedLease = undefined
    const resumeAt = this.#resumeAt()
    this.#trace({ at: now, type: 'claimed', by: `runner:${runner}`, data: { user: userId, resumeAt, leaseMs } })
    this.#saveRun(now)
    await this.#committed()
    return { ok: true, job: { run: this.#view(), source: run.source, leaseToken: token, leaseMs, resumeAt } }
  }

  #resumeAt(): number {
    const index = this.#steps.findIndex((s) => !FINISHED_STEP.has(s.status))
    return index === -1 ? this.#steps.length : index
  }

  /**
   * The run, when `token` is its lease (time's verdicts applied first); else why not: the run has
   * ended (409 conflict), or the lease is gone (409 lease_lost).
   */
  #leased(token: string, now: number): { run: RunRecord; lapsed: boolean } | { refusal: Refusal; lapsed: boolean } {
    const run = this.#run
    if (!run) return { refusal: refuse(404, 'not_found', 'No such workflow run'), lapsed: false }
    const lapsed = this.#lapse(now)
    if (FINAL_RUN.has(run.status) && run.endedLease === token) {
      return { refusal: refuse(409, 'conflict', `The run has ended (${run.status}${run.reason ? `: ${run.reason}` : ''}); stop working on it`), lapsed }
    }
    if (run.status !== 'running' || !run.lease || run.lease.token !== token) {
      return { refusal: refuse(409, 'lease_lost', 'This runner no longer holds the run (its lease ran out, it was released, or another runner claimed it): stop working on it'), lapsed }
    }
    return { run, lapsed }
  }

  /**
   * Runs a runner's call under its lease (`act` answers whether it changed the run): refusals
   * after applying time's verdicts, D1 told when anything changed.
   */
  async #underLease<T>(token: string, act: (run: RunRecord, now: number) => { changed: boolean; result: Outcome<T> }): Promise<Outcome<T>> {
    const now = Date.now()
    const held = this.#leased(token, now)
    if ('refusal' in held) {
      if (held.lapsed) await this.#committed()
      return held.refusal
    }
    const { changed, result } = act(held.run, now)
    if (changed || held.lapsed) await this.#committed()
    return result
  }

  /** Extends the lease; a run cancelled (or otherwise ended) under this lease answers `cancelled: true`. */
  async heartbeat(token: string, leaseMs: number): Promise<Outcome<{ cancelled: boolean }>> {
    const now = Date.now()
    const run = this.#run
    if (run && this.#lapse(now)) await this.#committed()
    if (run && FINAL_RUN.has(run.status) && run.endedLease === token) return { ok: true, cancelled: true }
    return this.#underLease<{ cancelled: boolean }>(token, (r) => {
      r.lease!.expiresAt = now + leaseMs
      this.#saveRun(now)
      return changed({ ok: true, cancelled: false })
    })
  }

  #step(index: number): StepState | Refusal {
    const step = this.#steps[index]
    if (!Number.isInteger(index) || !step) return refuse(404, 'not_found', `The workflow has no step ${index} (it has ${this.#steps.length}, numbered from 0)`)
    const before = this.#steps.find((s) => s.index < index && !FINISHED_STEP.has(s.status))
    if (before) return refuse(409, 'conflict', `Step ${index} (${step.id}) comes after step ${before.index} (${before.id}), which has not finished`)
    return step
  }

  /**
   * Starts step `index`. A finished step is never redone: it answers `already: true`. An approval
   * step, or a pull request or deploy under `approvalBeforePush` that no one approved yet, puts the run to
   * wait for a person (the lease is let go): `waiting: true`. A pull request whose required checks
   * have not all succeeded fails here, without the runner (`already: true`).
   */
  async startStep(token: string, index: number): Promise<Outcome<{ step: StepState; already: boolean; waiting?: boolean }>> {
    return this.#underLease<{ step: StepState; already: boolean; waiting?: boolean }>(token, (run, now) => {
      const step = this.#step(index)
      if ('ok' in step) return same(step)
      if (FINISHED_STEP.has(step.status)) return same({ ok: true, step: { ...step }, already: true })
      if (step.status === 'running') return same({ ok: true, step: { ...step }, already: false })
      const by = `runner:${run.lease!.runner}`
      const definition = run.workflow.steps[index]!
      if (definition.kind === 'pull_request') {
        const missing = run.workflow.policies.requiredChecks.filter((id) => this.#steps.find((s) => s.id === id)?.status !== 'succeeded')
        if (missing.length) {
          const error = `The pull request needs ${missing.length === 1 ? 'the check' : 'the checks'} ${missing.join(', ')} to have succeeded first (policies.required_checks)`
          this.#finish(run, step, { status: 'failed', error, costMicros: 0 }, 'edge', now)
          return changed({ ok: true, step: { ...step }, already: true })
        }
      }
      // A preview publishes the run's work at a URL, as a push does: approvalBeforePush holds both (one approval lets the run publish).
      const publishes = definition.kind === 'pull_request' || definition.kind === 'deploy'
      if (definition.kind === 'approval' || (publishes && run.workflow.policies.approvalBeforePush && run.pushApproval?.decision !== 'approved')) {
        step.status = 'waiting'
        this.#saveStep(step)
        this.#dropLease(now)
        run.status = 'waiting'
        const message =
          definition.kind === 'approval'
            ? (definition.message ?? `Approve to continue "${run.workflowName}"`)
            : definition.kind === 'deploy'
              ? `Approve publishing the run's work as a preview ("${definition.name}")`
              : `Approve pushing and opening the pull request "${definition.title}"`
        this.#trace({ at: now, type: 'approval-requested', by, step: index, data: { message, approvers: run.workflow.policies.approvers } })
        this.#saveRun(now)
        return changed({ ok: true, step: { ...step }, already: false, waiting: true })
      }
      step.status = 'running'
      step.attempts += 1
      step.startedAt ??= now
      this.#saveStep(step)
      this.#trace({ at: now, type: 'step-started', by, step: index, data: { id: step.id, kind: step.kind, attempt: step.attempts } })
      this.#saveRun(now)
      return changed({ ok: true, step: { ...step }, already: false })
    })
  }

  /** Appends (already masked) text to the running step's log, keeping the last 64 KB. */
  async logStep(token: string, index: number, text: string): Promise<Outcome<{ bytes: number }>> {
    return this.#underLease<{ bytes: number }>(token, () => {
      const step = this.#step(index)
      if ('ok' in step) return same(step)
      if (step.status !== 'running') return same(refuse(409, 'conflict', `Step ${index} (${step.id}) is ${step.status}, not running: start it first`))
      step.log = keepTail(step.log + text)
      this.#saveStep(step)
      return same({ ok: true, bytes: new TextEncoder().encode(step.log).byteLength })
    })
  }

  /** Records a step's result and what follows from it for the run (next step, failure, budget, success). */
  #finish(run: RunRecord, step: StepState, result: StepResult, by: string, now: number) {
    step.status = result.status
    step.finishedAt = now
    step.costMicros += result.costMicros
    if (result.output) step.output = result.output
    if (result.error) step.error = result.error
    this.#saveStep(step)
    const artifact = `step-${step.index + 1}-${step.id}`.replace(/[^\w.-]/g, '-').slice(0, 80)
    if (result.output?.patch) this.#unstored.push({ name: `${artifact}.patch`, contentType: 'text/x-patch', text: result.output.patch })
    if (result.output?.testReport) this.#unstored.push({ name: `${artifact}-tests.json`, contentType: 'application/json', text: `${JSON.stringify(result.output.testReport, null, 2)}\n` })
    run.costMicros += result.costMicros
    this.#trace({
      at: now,
      type: 'step-finished',
      by,
      step: step.index,
      data: { id: step.id, status: step.status, ...(result.output?.summary ? { summary: result.output.summary } : {}), ...(result.output?.values ? { outputs: result.output.values } : {}), ...(result.error ? { error: result.error } : {}) },
      costMicros: result.costMicros,
    })
    const maxCredits = run.workflow.budget.maxCredits
    const definition = run.workflow.steps[step.index]!
    if (maxCredits !== undefined && run.costMicros > Math.round(maxCredits * 1e6)) {
      this.#end('failed', 'budget', `Over budget: the run spent ${credits(run.costMicros)} credits, more than its ${maxCredits} (budget.max_credits)`, 'edge', now)
    } else if (result.status === 'failed' && !definition.continueOnError) {
      this.#end('failed', 'step_failed', `Step "${step.name}" failed${result.error ? `: ${result.error}` : ''}`, by, now)
    } else if (this.#resumeAt() >= this.#steps.length) {
      this.#end('succeeded', 'finished', undefined, by, now)
    } else this.#saveRun(now)
  }

  /**
   * Finishes step `index` (running under this lease; a pending one may only be skipped or failed).
   * Finishing a finished step changes nothing and answers `already: true`.
   */
  async finishStep(token: string, index: number, result: StepResult): Promise<Outcome<{ run: WorkflowRunView; already: boolean }>> {
    const outcome = await this.#underLease<{ already: boolean }>(token, (run, now) => {
      const step = this.#step(index)
      if ('ok' in step) return same(step)
      if (FINISHED_STEP.has(step.status)) return same({ ok: true, already: true })
      if (step.status !== 'running' && (step.status !== 'pending' || result.status === 'succeeded')) {
        return same(refuse(409, 'conflict', `Step ${index} (${step.id}) is ${step.status}: start it before finishing it as ${result.status}`))
      }
      this.#finish(run, step, result, `runner:${run.lease!.runner}`, now)
      return changed({ ok: true, already: false })
    })
    return outcome.ok ? { ok: true, run: this.#view(), already: outcome.already } : outcome
  }

  /** The names of the secrets the run may read, for the runner holding it. */
  async grantedSecrets(token: string): Promise<Outcome<{ names: string[] }>> {
    return this.#underLease<{ names: string[] }>(token, (run) => same({ ok: true, names: run.workflow.policies.secrets }))
  }

  /** The runner is stopping: the run goes back to the queue, its running step pending again. */
  async release(token: string): Promise<Outcome<{ run: WorkflowRunView }>> {
    const outcome = await this.#underLease<object>(token, (run, now) => {
      const runner = run.lease!.runner
      this.#dropLease(now)
      run.status = 'queued'
      const step = this.#steps.find((s) => s.status === 'running')
      if (step) {
        step.status = 'pending'
        this.#saveStep(step)
      }
      this.#trace({ at: now, type: 'released', by: `runner:${runner}`, ...(step ? { step: step.index } : {}) })
      this.#saveRun(now)
      return changed({ ok: true })
    })
    return outcome.ok ? { ok: true, run: this.#view() } : outcome
  }

  /**
   * A person's answer to the step the run waits on. Approved: an approval step succeeds, a gated
   * pull request may push (and a gated deploy publish); the run is queued again (or succeeds, when nothing is left). Rejected:
   * the run fails. Under `approvers: others` the run's author may not answer (403).
   */
  async decide(user: { id: string; name: string }, decision: 'approved' | 'rejected', note: string | undefined): Promise<Outcome<{ run: WorkflowRunView }>> {
    const now = Date.now()
    const run = this.#run
    if (!run) return refuse(404, 'not_found', 'No such workflow run')
    if (run.status !== 'waiting') return refuse(409, 'conflict', `The run is not waiting for an approval (it is ${run.status})`)
    if (run.workflow.policies.approvers === 'others' && user.id === run.author.id) {
      return refuse(403, 'forbidden', `You started this run, and "${run.workflowName}" must be approved by someone else (policies.approvers: others): ask another member of ${run.repo}`)
    }
    const step = this.#steps.find((s) => s.status === 'waiting')!
    const approval = { decision, by: user.name, at: now, ...(note ? { note } : {}) }
    const by = `user:${user.id}`
    this.#trace({ at: now, type: decision, by, step: step.index, ...(note ? { data: { note } } : {}) })
    if (decision === 'rejected') {
      step.status = 'failed'
      step.finishedAt = now
      step.error = `Rejected by ${user.name}${note ? `: ${note}` : ''}`
      if (step.kind === 'approval') step.output = { summary: step.error, approval }
      else run.pushApproval = approval
      this.#saveStep(step)
      this.#end('failed', 'rejected', step.error, by, now)
    } else if (step.kind === 'approval') {
      step.status = 'succeeded'
      step.finishedAt = now
      step.output = { summary: `Approved by ${user.name}${note ? `: ${note}` : ''}`, approval }
      this.#saveStep(step)
      if (this.#resumeAt() >= this.#steps.length) this.#end('succeeded', 'finished', undefined, by, now)
      else {
        run.status = 'queued'
        this.#saveRun(now)
      }
    } else {
      run.pushApproval = approval
      step.status = 'pending'
      this.#saveStep(step)
      run.status = 'queued'
      this.#saveRun(now)
    }
    await this.#committed()
    return { ok: true, run: this.#view() }
  }

  /** Cancels the run, whatever it is doing; its runner hears it at the next heartbeat. An ended run answers 409. */
  async cancel(user: { id: string; name: string }): Promise<Outcome<{ run: WorkflowRunView }>> {
    const now = Date.now()
    const run = this.#run
    if (!run) return refuse(404, 'not_found', 'No such workflow run')
    this.#lapse(now)
    if (FINAL_RUN.has(run.status)) {
      await this.#committed()
      return refuse(409, 'conflict', `The run has ended already (${run.status})`)
    }
    this.#end('cancelled', 'cancelled', `Cancelled by ${user.name}`, `user:${user.id}`, now)
    await this.#committed()
    return { ok: true, run: this.#view() }
  }
}
