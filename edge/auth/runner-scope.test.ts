import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CreateDeploymentResponse } from '../../shared/deploy'
import { create, deploy, putBlob, resetDeployments, sha256 } from '../deployments/testing'
import { agentStep, answer, connect, person, queue, resetWorkflows, runner, workflow, type Person } from '../test/workflows'
import { runnerMayCall } from './runner-scope'

beforeEach(async () => {
  await resetWorkflows()
  await resetDeployments()
})

describe("a runner's session", () => {
  it('runs a job (claim, steps, run record, GitHub on the repo) but nothing else its user can do', async () => {
    const ada = await person('ada@example.com')
    await connect('ada/app', ada.userId)
    const box = await runner(ada, 'box')
    const runId = await queue('ada/app', workflow([agentStep('fix')]), ada.userId)

    // Its work: claim, start a step, keep a run record.
    const job = await box.claim()
    expect(job?.run.id).toBe(runId)
    expect((await box.call(runId, 'steps/0/start', { leaseToken: job!.leaseToken })).status).toBe(200)
    expect(await answer(box.request('/api/auth/me'))).toMatchObject({ user: { id: ada.userId } })
    expect((await box.json('/api/runs', 'POST', { kind: 'agent', project: 'ada/app', title: 'Fix the issue' })).status).toBe(201)
    // Installs go through the package proxy: it answers for itself (this upstream is not one it allows).
    const install = await box.request('/api/packages/http/127.0.0.1:9/left-pad')
    expect(((await install.json()) as { error: { message: string } }).error.message).toMatch(/^127\.0\.0\.1:9 is not an allowed package upstream/)

    // Everything else is its user's, and each refusal says why.
    const refused: [string, string, unknown?][] = [
      ['GET', '/api/credits'],
      ['GET', '/api/runs'],
      ['POST', '/api/credits/checkout', { pack: 'starter' }],
      ['PUT', '/api/credits/caps', { dailyMicros: 1 }],
      ['POST', '/api/workflows/repos', { repo: 'ada/other' }],
      ['PUT', '/api/workflows/repos/ada/app/secrets/TOKEN', { value: 'stolen' }],
      ['POST', '/api/workflows/repos/ada/app/runs', { workflow: 'fix' }],
      ['POST', `/api/workflows/runs/${runId}/approval`, { approve: true }],
      ['POST', `/api/workflows/runs/${runId}/cancel`, {}],
      ['GET', '/api/github/repos'],
      ['GET', '/api/runners/tokens'],
      ['POST', '/api/auth/signout-everywhere', {}],
      ['GET', '/api/deployments'],
      ['POST', '/api/deployments/production', { project: 'site', deploymentId: 'x' }],
    ]
    for (const [method, path, body] of refused) {
      const res = body === undefined ? await box.request(path, { method }) : await box.json(path, method, body)
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(await res.json()).toEqual({
        error: { code: 'forbidden', message: `A runner's session only runs workflow jobs: ${method} ${path} needs you signed in to Coder yourself` },
      })
    }
    // Nothing happened: no secret, the user still signed in, the run still the runner's.
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM workflow_secrets WHERE name = 'TOKEN'").first('n')).toBe(0)
    expect(await answer(ada.request('/api/auth/me'))).toMatchObject({ user: { id: ada.userId } })
    expect((await box.call(runId, 'heartbeat', { leaseToken: job!.leaseToken })).status).toBe(200)
  })

  it('publishes a preview and deletes its own half-made one, never a ready deployment', async () => {
    const ada = await person('ada@example.com')
    const box = Object.assign(await runner(ada, 'box'), { userId: ada.userId }) as unknown as Person
    const site = { 'index.html': `<h1>${crypto.randomUUID()}</h1>` }
    const published = await deploy(box, site)
    expect(published).toMatchObject({ status: 'ready', author: { id: ada.userId } })

    const half = (await (await create(box, { 'index.html': `<p>${crypto.randomUUID()}</p>` })).json()) as CreateDeploymentResponse
    expect((await box.request(`/api/deployments/${half.deployment.id}`, { method: 'DELETE' })).status).toBe(200)

    const refused = await box.request(`/api/deployments/${published.id}`, { method: 'DELETE' })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      `A runner's session cannot delete the ready deployment ${published.id}: sign in to Coder yourself`,
    )
    // Its user can.
    expect((await ada.request(`/api/deployments/${published.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await putBlob(box, half.deployment.id, await sha256('x'), 'x')).status).toBe(409)
  })
})

describe('runnerMayCall', () => {
  it('matches whole paths and methods, HEAD as GET, a trailing slash ignored', () => {
    expect(runnerMayCall('POST', '/api/workflows/claim')).toBe(true)
    expect(runnerMayCall('POST', '/api/workflows/claim/')).toBe(true)
    expect(runnerMayCall('GET', '/api/workflows/claim')).toBe(false)
    expect(runnerMayCall('POST', '/api/workflows/runs/r1/steps/3/finish')).toBe(true)
    expect(runnerMayCall('POST', '/api/workflows/runs/r1/steps/x/finish')).toBe(false)
    expect(runnerMayCall('POST', '/api/workflows/runs/r1/approval')).toBe(false)
    expect(runnerMayCall('PUT', '/api/runs/r1/artifacts/patch.diff')).toBe(true)
    expect(runnerMayCall('GET', '/api/runs/r1/artifacts/patch.diff')).toBe(false)
    expect(runnerMayCall('POST', '/api/github/repos/ada/app/pulls')).toBe(true)
    expect(runnerMayCall('POST', '/api/github/repos/ada/app/pulls/extra')).toBe(false)
    expect(runnerMayCall('POST', '/api/deployments/production')).toBe(false)
    expect(runnerMayCall('GET', '/api/deployments/production')).toBe(false)
    expect(runnerMayCall('GET', '/api/deployments/d1')).toBe(true)
    expect(runnerMayCall('POST', '/api/deployments/d1/links')).toBe(false)
    expect(runnerMayCall('post', '/api/deployments/d1/finalize')).toBe(true)
    expect(runnerMayCall('GET', '/api/packages/https/registry.npmjs.org/@scope%2fname')).toBe(true)
    expect(runnerMayCall('HEAD', '/api/packages/https/registry.npmjs.org/left-pad')).toBe(true)
    expect(runnerMayCall('POST', '/api/packages/https/registry.npmjs.org/left-pad')).toBe(false)
  })
})
