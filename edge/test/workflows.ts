/** @module Workflow runs in workerd tests: members seeded in D1, workflows built in code, runners signed in with runner tokens. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import type { Env } from '../env'
import type { Workflow, WorkflowBudget, WorkflowJob, WorkflowPolicies, WorkflowStep } from '../../shared/workflow'
import { queueWorkflowRun } from '../workflows/queue'
import { browser, resetAccounts, signInByEmail, type TestBrowser } from './browser'

export async function resetWorkflows() {
  await resetAccounts()
  await env.DB.exec('DELETE FROM workflow_runs; DELETE FROM workflow_repos; DELETE FROM workflow_secrets; DELETE FROM runner_tokens;')
}

/** A signed-in person: their browser and user id. */
export async function person(email: string, overrides: Partial<Env> = {}) {
  const b = browser(overrides)
  await signInByEmail(b, email)
  const me = (await (await b.request('/api/auth/me')).json()) as { user: { id: string } }
  return Object.assign(b, { userId: me.user.id })
}
export type Person = Awaited<ReturnType<typeof person>>

/** Makes `userIds` members of `repo`, as connecting it would. */
export async function connect(repo: string, ...userIds: string[]) {
  for (const id of userIds) {
    await env.DB.prepare('INSERT INTO workflow_repos (repo, user_id, default_branch, connected_at) VALUES (?, ?, ?, ?)').bind(repo, id, 'main', Date.now()).run()
  }
}

export const agentStep = (id: string, more: Partial<WorkflowStep> = {}): WorkflowStep => ({ kind: 'agent', id, name: `Agent ${id}`, instructions: 'Fix the issue', continueOnError: false, ...more }) as WorkflowStep
export const runStep = (id: string, command = 'npm test'): WorkflowStep => ({ kind: 'run', id, name: `Run ${command}`, command, continueOnError: false })
export const approvalStep = (id: string): WorkflowStep => ({ kind: 'approval', id, name: 'Approve', message: 'Look at the patch', continueOnError: false })
export const pullRequestStep = (id: string): WorkflowStep => ({ kind: 'pull_request', id, name: 'Open a pull request', title: 'Fix #1', draft: false, labels: [], continueOnError: false })

export function workflow(steps: WorkflowStep[], more: { name?: string; budget?: WorkflowBudget; policies?: Partial<WorkflowPolicies> } = {}): Workflow {
  return {
    name: more.name ?? 'Fix labeled issues',
    on: { manual: { inputs: {} } },
    budget: more.budget ?? {},
    policies: { requiredChecks: [], approvalBeforePush: false, approvers: 'any', secrets: [], ...more.policies },
    steps,
  }
}

/** Queues a manual run of `wf` in `repo` by `authorId`; resolves to its id. */
export async function queue(repo: string, wf: Workflow, authorId: string, path = '.coder/workflows/fix.yml') {
  const run = await queueWorkflowRun(env as unknown as Env, {
    repo,
    path,
    name: wf.name,
    source: `name: ${wf.name}\n`,
    workflow: wf,
    trigger: { kind: 'manual', summary: 'Run now', context: {} },
    inputs: { issue: 1 },
    authorId,
    baseRef: 'main',
  })
  return run.id
}

/** A headless runner: a browser whose session was opened with a new runner token of `owner`. */
export async function runner(owner: TestBrowser, name: string, overrides: Partial<Env> = {}) {
  const created = await owner.json('/api/runners/tokens', 'POST', { name })
  expect(created.status).toBe(201)
  const { token, id } = (await created.json()) as { token: string; id: string }
  const r = browser(overrides)
  const opened = await r.request('/api/runners/session', { method: 'POST', origin: null, headers: { authorization: `Bearer ${token}` } })
  expect(opened.status).toBe(200)
  return Object.assign(r, {
    name,
    token,
    tokenId: id,
    claim: async (repos?: string[]) => {
      const res = await r.json('/api/workflows/claim', 'POST', { runner: name, ...(repos ? { repos } : {}) })
      if (res.status === 204) return null
      expect(res.status).toBe(200)
      return (await res.json()) as WorkflowJob
    },
    call: (runId: string, action: string, body: Record<string, unknown>) => r.json(`/api/workflows/runs/${runId}/${action}`, 'POST', body),
  })
}
export type Runner = Awaited<ReturnType<typeof runner>>

/** Reads a JSON answer after checking its status. */
export async function answer<T = Record<string, any>>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}
