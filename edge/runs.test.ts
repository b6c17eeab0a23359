import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { browser, resetAccounts, signInByEmail } from './test/browser'

beforeEach(resetAccounts)

async function signedIn(email: string) {
  const b = browser()
  await signInByEmail(b, email)
  return b
}

const sha256 = async (text: string) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (x) => x.toString(16).padStart(2, '0')).join('')

describe('run records', () => {
  it('keeps a run with its events and artifacts, readable from another device of the same user', async () => {
    const laptop = await signedIn('ada@example.com')
    const id = crypto.randomUUID()
    const created = await laptop.json('/api/runs', 'POST', { id, project: 'p1', kind: 'agent', title: 'Fix the parser', startedAt: 1_700_000_000_000 })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ id, project: 'p1', kind: 'agent', status: 'running', startedAt: 1_700_000_000_000, finishedAt: null, cost: 0 })

    const events = [{ type: 'run-started' }, { type: 'tool', name: 'read_file' }]
    expect((await laptop.request(`/api/runs/${id}/events`, { method: 'POST', body: events.map((e) => JSON.stringify(e)).join('\n') })).status).toBe(201)
    expect((await laptop.request(`/api/runs/${id}/events`, { method: 'POST', body: `${JSON.stringify({ type: 'stopped', reason: 'done' })}\n` })).status).toBe(201)
    const report = JSON.stringify({ passed: 4, failed: 0 })
    const put = await laptop.request(`/api/runs/${id}/artifacts/report.json`, { method: 'PUT', body: report, headers: { 'content-type': 'application/json', 'x-content-sha256': await sha256(report) } })
    expect(await put.json()).toEqual({ name: 'report.json', sha256: await sha256(report), size: report.length })
    const commit = 'ab'.repeat(20)
    const done = await laptop.json(`/api/runs/${id}`, 'PATCH', { status: 'succeeded', cost: 0.0425, branch: 'coder/fix-the-parser-1a2b3c', commit, pullRequest: 'https://github.com/ada/p1/pull/7', reason: 'finished' })
    expect(await done.json()).toMatchObject({ status: 'succeeded', cost: 0.0425, finishedAt: expect.any(Number), branch: 'coder/fix-the-parser-1a2b3c', commit, pullRequest: 'https://github.com/ada/p1/pull/7', reason: 'finished' })

    const phone = await signedIn('ada@example.com')
    const list = (await (await phone.request('/api/runs?project=p1')).json()) as { runs: Array<{ id: string }> }
    expect(list.runs.map((r) => r.id)).toEqual([id])
    expect(list.runs[0]).toMatchObject({ branch: 'coder/fix-the-parser-1a2b3c', commit, pullRequest: 'https://github.com/ada/p1/pull/7', reason: 'finished' })
    const run = (await (await phone.request(`/api/runs/${id}`)).json()) as { artifacts: Array<{ name: string; size: number }> }
    expect(run.artifacts).toEqual([expect.objectContaining({ name: 'report.json', size: report.length, contentType: 'application/json' })])
    const log = await (await phone.request(`/api/runs/${id}/events`)).text()
    expect(log.trim().split('\n').map((l) => JSON.parse(l))).toEqual([...events, { type: 'stopped', reason: 'done' }])
    const artifact = await phone.request(`/api/runs/${id}/artifacts/report.json`)
    expect(artifact.headers.get('content-type')).toBe('application/json')
    expect(await artifact.text()).toBe(report)
  })

  it('stores the same artifact bytes once, whichever runs name them', async () => {
    const b = await signedIn('ada@example.com')
    const body = `same bytes ${crypto.randomUUID()}`
    const count = async () => (await env.ARTIFACTS.list()).objects.length
    const before = await count()
    const shas: string[] = []
    for (const id of [crypto.randomUUID(), crypto.randomUUID()]) {
      await b.json('/api/runs', 'POST', { id, project: 'p', kind: 'tests' })
      shas.push(((await (await b.request(`/api/runs/${id}/artifacts/out.txt`, { method: 'PUT', body })).json()) as { sha256: string }).sha256)
    }
    expect(shas).toEqual([await sha256(body), await sha256(body)])
    expect(await count()).toBe(before + 1)
  })

  it('shows a run to its owner only: others get the same 404 as for no run, and cannot write to it', async () => {
    const ada = await signedIn('ada@example.com')
    const eve = await signedIn('eve@example.com')
    const id = crypto.randomUUID()
    await ada.json('/api/runs', 'POST', { id, project: 'p', kind: 'agent' })
    await ada.request(`/api/runs/${id}/artifacts/secret.txt`, { method: 'PUT', body: 'secret' })
    for (const path of [`/api/runs/${id}`, `/api/runs/${id}/events`, `/api/runs/${id}/artifacts/secret.txt`]) {
      const res = await eve.request(path)
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: `No run ${id}` } })
    }
    expect((await eve.json(`/api/runs/${id}`, 'PATCH', { status: 'cancelled' })).status).toBe(404)
    expect((await eve.request(`/api/runs/${id}/events`, { method: 'POST', body: '{"type":"x"}' })).status).toBe(404)
    expect(((await (await eve.request('/api/runs')).json()) as { runs: unknown[] }).runs).toEqual([])
    // Taking over the id is refused too.
    expect((await eve.json('/api/runs', 'POST', { id, project: 'p', kind: 'agent' })).status).toBe(409)
    // Signed out: a 401 that says to sign in.
    const anonymous = browser()
    const res = await anonymous.request('/api/runs')
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Sign in/)
    expect(((await (await ada.request(`/api/runs/${id}`)).json()) as { status: string }).status).toBe('running')
  })

  it('answers bad input with clear 4xx errors and stores nothing', async () => {
    const b = await signedIn('ada@example.com')
    expect((await b.json('/api/runs', 'POST', { project: 'p', kind: 'bogus' })).status).toBe(400)
    expect((await b.json('/api/runs', 'POST', { kind: 'agent' })).status).toBe(400)
    expect((await b.json('/api/runs', 'POST', { id: '../x', project: 'p', kind: 'agent' })).status).toBe(400)
    expect((await b.request('/api/runs/not-a-uuid')).status).toBe(400)
    expect(((await env.DB.prepare('SELECT COUNT(*) AS n FROM runs').first<{ n: number }>())!.n)).toBe(0)

    const id = crypto.randomUUID()
    await b.json('/api/runs', 'POST', { id, project: 'p', kind: 'agent' })
    const badEvents = await b.request(`/api/runs/${id}/events`, { method: 'POST', body: '{"ok":1}\nnot json' })
    expect(badEvents.status).toBe(400)
    expect(((await badEvents.json()) as { error: { message: string } }).error.message).toMatch(/line 2/)
    const badName = await b.request(`/api/runs/${id}/artifacts/..%2Fescape`, { method: 'PUT', body: 'x' })
    expect(badName.status).toBe(400)
    const damaged = await b.request(`/api/runs/${id}/artifacts/a.txt`, { method: 'PUT', body: 'abc', headers: { 'x-content-sha256': '0'.repeat(64) } })
    expect(damaged.status).toBe(400)
    expect(((await damaged.json()) as { error: { message: string } }).error.message).toMatch(/damaged/)
    const small = browser({ RUN_ARTIFACT_MAX_BYTES: '1024' })
    small.jar.set('coder_session', b.jar.get('coder_session')!)
    const big = await small.request(`/api/runs/${id}/artifacts/big.bin`, { method: 'PUT', body: new Uint8Array(4096) })
    expect(big.status).toBe(413)
    const run = (await (await b.request(`/api/runs/${id}`)).json()) as { artifacts: unknown[]; events: number }
    expect(run).toMatchObject({ artifacts: [], events: 0 })

    for (const [field, value, message] of [
      ['pullRequest', 'javascript:alert(1)', /http\(s\) URL/],
      ['commit', 'abc', /full commit id/],
      ['branch', 'coder/a b', /branch name/],
      ['reason', 'Not A Reason!', /short reason/],
    ] as const) {
      const res = await b.json(`/api/runs/${id}`, 'PATCH', { status: 'succeeded', [field]: value })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message)
    }
    expect(await (await b.request(`/api/runs/${id}`)).json()).toMatchObject({ status: 'running', branch: null, commit: null, pullRequest: null, reason: null })
    // Fields left out keep their values.
    await b.json(`/api/runs/${id}`, 'PATCH', { branch: 'coder/x' })
    expect(await (await (await b.json(`/api/runs/${id}`, 'PATCH', { status: 'failed', reason: 'stuck' })).json())).toMatchObject({ status: 'failed', branch: 'coder/x', reason: 'stuck' })
    const reopened = await b.json(`/api/runs/${id}`, 'PATCH', { status: 'running' })
    expect(reopened.status).toBe(409)
  })
})
