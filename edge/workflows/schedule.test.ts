// Scheduled workflows: what the Cron Trigger's `scheduled` handler does each minute (fireSchedules),
// for workflows read from a repository of the GitHub stand-in.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { browser, resetAccounts } from '../test/browser'
import type { WorkflowRunView } from '../../shared/workflow'
import { config, createRepo, OWNER, resetWorkflows, signInWithGitHub } from './__fixtures__/github'
import { FIX, WEEKLY } from './__fixtures__/workflows'
import { fireSchedules } from './schedule'

// A Monday, 09:30 UTC (WEEKLY's cron is "30 9 * * 1").
const MONDAY_0930 = Date.UTC(2026, 10, 2, 9, 30)

beforeEach(async () => {
  await resetAccounts()
  await resetWorkflows()
}, 30_000)

describe('fireSchedules', { timeout: 30_000 }, () => {
  it('queues a scheduled workflow once in its minute, however often the minute fires; not in other minutes, nor when switched off', async () => {
    const repo = await createRepo({ '.coder/workflows/weekly.yml': WEEKLY, '.coder/workflows/fix.yml': FIX })
    const b = browser(config)
    await signInWithGitHub(b, OWNER)
    expect((await b.json('/api/workflows/repos', 'POST', { repo })).status).toBe(201)

    expect(new Date(MONDAY_0930).getUTCDay()).toBe(1)
    expect(await fireSchedules(b.bindings, new Date(MONDAY_0930 - 60_000))).toEqual([])
    const fired = await fireSchedules(b.bindings, new Date(MONDAY_0930 + 7_000))
    expect(fired).toHaveLength(1)
    // The same minute again (a retried invocation, a second isolate): nothing more.
    expect(await fireSchedules(b.bindings, new Date(MONDAY_0930 + 42_000))).toEqual([])
    expect(await fireSchedules(b.bindings, new Date(MONDAY_0930 + 60_000))).toEqual([])

    const view = (await (await b.request(`/api/workflows/runs/${fired[0]}`)).json()) as WorkflowRunView
    expect(view).toMatchObject({
      repo,
      workflowPath: '.coder/workflows/weekly.yml',
      baseRef: 'main',
      author: { name: 'Eve' },
      trigger: { kind: 'schedule', summary: 'schedule 30 9 * * 1', context: { cron: '30 9 * * 1', at: new Date(MONDAY_0930).toISOString() } },
    })
    const fire = await env.DB.prepare('SELECT repo, path, minute, run_id FROM schedule_fires').all()
    expect(fire.results).toEqual([{ repo, path: '.coder/workflows/weekly.yml', minute: MONDAY_0930, run_id: fired[0] }])

    // A week later it is due again, unless switched off.
    const nextWeek = MONDAY_0930 + 7 * 24 * 3600_000
    expect((await b.json(`/api/workflows/repos/${repo}/workflows/enabled`, 'PUT', { path: '.coder/workflows/weekly.yml', enabled: false })).status).toBe(200)
    expect(await fireSchedules(b.bindings, new Date(nextWeek))).toEqual([])
    expect((await b.json(`/api/workflows/repos/${repo}/workflows/enabled`, 'PUT', { path: '.coder/workflows/weekly.yml', enabled: true })).status).toBe(200)
    expect(await fireSchedules(b.bindings, new Date(nextWeek))).toHaveLength(1)
  })

  it('fires nothing for a repository whose last member disconnected', async () => {
    const repo = await createRepo({ '.coder/workflows/weekly.yml': WEEKLY })
    const b = browser(config)
    await signInWithGitHub(b, OWNER)
    expect((await b.json('/api/workflows/repos', 'POST', { repo })).status).toBe(201)
    expect((await b.request(`/api/workflows/repos/${repo}`, { method: 'DELETE' })).status).toBe(200)
    expect(await fireSchedules(b.bindings, new Date(MONDAY_0930))).toEqual([])
  })
})
