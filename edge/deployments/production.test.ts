import { beforeEach, describe, expect, it } from 'vitest'
import type { CreateDeploymentResponse, ProductionState } from '../../shared/deploy'
import { productionHost } from './production'
import { connect, create, deploy, errorOf, person, resetDeployments, type Person } from './testing'

beforeEach(resetDeployments)

const promote = (p: Person, deploymentId: string, project = 'site') => p.json('/api/deployments/production', 'POST', { project, deploymentId })
const rollback = (p: Person, project = 'site') => p.json('/api/deployments/production/rollback', 'POST', { project })
const state = async (p: Person, project = 'site') => (await (await p.request(`/api/deployments/production?project=${project}`)).json()) as ProductionState

/** previous → current is the last step of the history, and each step starts where the one before ended. */
function expectConsistent(s: ProductionState) {
  const steps = [...s.history].reverse()
  expect(steps[0]!.from).toBeNull()
  steps.forEach((step, i) => i > 0 && expect(step.from).toBe(steps[i - 1]!.to))
  expect(s.current?.id).toBe(steps.at(-1)!.to)
  expect(s.previous?.id ?? null).toBe(steps.at(-1)!.from)
}

describe('the production alias', () => {
  it('promotes, keeps the previous deployment, rolls back and forth, and records who moved it', async () => {
    const ada = await person('ada@example.com')
    const [d1, d2] = [await deploy(ada, { 'index.html': 'one' }), await deploy(ada, { 'index.html': 'two' })]
    expect(await state(ada)).toEqual({ project: 'site', current: null, previous: null, history: [] })

    const first = await promote(ada, d1.id)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ current: { id: d1.id }, previous: null, history: [{ action: 'promote', from: null, to: d1.id, by: { id: ada.userId } }] })
    await promote(ada, d2.id)
    const promoted = await state(ada)
    expect(promoted).toMatchObject({ current: { id: d2.id, status: 'ready' }, previous: { id: d1.id } })
    expect(promoted.history.map((h) => [h.action, h.from, h.to])).toEqual([['promote', d1.id, d2.id], ['promote', null, d1.id]])
    // Promoting the current deployment again changes nothing.
    expect((await state(ada)).history).toHaveLength(2)
    await promote(ada, d2.id)
    expect((await state(ada)).history).toHaveLength(2)

    const rolledBack = (await (await rollback(ada)).json()) as ProductionState
    expect(rolledBack).toMatchObject({ current: { id: d1.id }, previous: { id: d2.id } })
    expect(rolledBack.history[0]).toMatchObject({ action: 'rollback', from: d2.id, to: d1.id, by: { id: ada.userId } })
    expect(await (await rollback(ada)).json()).toMatchObject({ current: { id: d2.id }, previous: { id: d1.id } })
    expectConsistent(await state(ada))
  })

  it('refuses what cannot be promoted or rolled back, with messages saying why', async () => {
    const ada = await person('ada@example.com')
    const d1 = await deploy(ada, { 'index.html': 'one' })
    const other = await deploy(ada, { 'index.html': 'other' }, { project: 'other' })
    const { deployment: pending } = (await (await create(ada, { 'index.html': `pending ${crypto.randomUUID()}` })).json()) as CreateDeploymentResponse
    expect(await errorOf(await rollback(ada))).toEqual({ status: 404, code: 'not_found', message: 'site has no production deployment to roll back' })
    expect(await errorOf(await promote(ada, pending.id))).toEqual({ status: 409, code: 'conflict', message: `Deployment ${pending.id} is uploading; only a ready deployment can be promoted` })
    expect(await errorOf(await promote(ada, other.id))).toMatchObject({ status: 400, message: `Deployment ${other.id} belongs to project other, not site` })
    expect(await errorOf(await promote(ada, crypto.randomUUID()))).toMatchObject({ status: 404 })
    await promote(ada, d1.id)
    expect(await errorOf(await rollback(ada))).toEqual({ status: 409, code: 'conflict', message: 'site has no previous production deployment to roll back to' })
  })

  it('refuses to delete the production deployment; deleting the previous one leaves nothing to roll back to', async () => {
    const ada = await person('ada@example.com')
    const [d1, d2] = [await deploy(ada, { 'index.html': 'one' }), await deploy(ada, { 'index.html': 'two' })]
    await promote(ada, d1.id)
    await promote(ada, d2.id)
    expect(await errorOf(await ada.request(`/api/deployments/${d2.id}`, { method: 'DELETE' }))).toEqual({
      status: 409,
      code: 'conflict',
      message: `Deployment ${d2.id} is its project's production deployment: promote another deployment (or roll back) before deleting it`,
    })
    expect((await (await ada.request(`/api/deployments/${d2.id}`)).json()) as { status: string }).toMatchObject({ status: 'ready' })
    expect((await ada.request(`/api/deployments/${d1.id}`, { method: 'DELETE' })).status).toBe(200)
    expect(await state(ada)).toMatchObject({ current: { id: d2.id }, previous: null })
    expect((await rollback(ada)).status).toBe(409)
    expect((await promote(ada, d1.id)).status).toBe(409)
  })

  it('stays consistent under concurrent promotes and rollbacks', async () => {
    const ada = await person('ada@example.com')
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await deploy(ada, { 'index.html': `v${i}` })).id)
    const promotes = await Promise.all(ids.map((id) => promote(ada, id)))
    expect(promotes.map((r) => r.status)).toEqual(ids.map(() => 200))
    const after = await state(ada)
    expect(after.history).toHaveLength(6)
    expect(new Set(after.history.map((h) => h.to))).toEqual(new Set(ids))
    expectConsistent(after)

    const mixed = await Promise.all([rollback(ada), promote(ada, ids[0]!), rollback(ada), promote(ada, ids[3]!), rollback(ada)])
    for (const res of mixed) expect([200, 409]).toContain(res.status)
    expectConsistent(await state(ada))
  })

  it('belongs to whoever promoted first, and to the members of their repository', async () => {
    const ada = await person('ada@example.com')
    const bob = await person('bob@example.com')
    const eve = await person('eve@example.com')
    await connect('ada/site', ada.userId, bob.userId)
    const adas = await deploy(ada, { 'index.html': 'ada' }, { repo: 'ada/site' })
    const bobs = await deploy(bob, { 'index.html': 'bob' }, { repo: 'ada/site' })
    const eves = await deploy(eve, { 'index.html': 'eve' })
    await promote(ada, adas.id)
    expect(await (await promote(bob, bobs.id)).json()).toMatchObject({ current: { id: bobs.id }, previous: { id: adas.id }, history: [{ by: { id: bob.userId } }, { by: { id: ada.userId } }] })
    expect((await rollback(bob)).status).toBe(200)

    // Another account cannot move it, nor see it, nor promote someone else's deployment.
    expect(await errorOf(await promote(eve, eves.id))).toEqual({
      status: 403,
      code: 'forbidden',
      message: 'The production deployment of site is managed by another account; ask them (or a member of its repository) to move it',
    })
    expect((await rollback(eve)).status).toBe(403)
    expect(await state(eve)).toEqual({ project: 'site', current: null, previous: null, history: [] })
    expect((await promote(eve, adas.id)).status).toBe(404)
    expect((await state(ada)).current?.id).toBe(adas.id)
  })

  it('gives production an address of its own when the preview origin is known: the project id, or a host label made from its name', async () => {
    const ada = await person('ada@example.com', { PREVIEW_URL_TEMPLATE: 'https://{id}.preview.example' })
    const project = crypto.randomUUID()
    const d = await deploy(ada, { 'index.html': 'u' }, { project })
    expect(await (await promote(ada, d.id, project)).json()).toMatchObject({ url: `https://${project}.preview.example`, current: { url: `https://${d.id}.preview.example` } })
    const other = await deploy(ada, { 'index.html': 'o' }, { project: 'Not A Host' })
    expect(((await (await promote(ada, other.id, 'Not A Host')).json()) as ProductionState).url).toMatch(/^https:\/\/not-a-host-[0-9a-z]{7}\.preview\.example$/)
    // A connected repository's production, shared by its members: name--owner.
    await connect('ada/calc', ada.userId)
    const r = await deploy(ada, { 'index.html': 'calc' }, { project: 'ada/calc', repo: 'ada/calc' })
    expect(await (await promote(ada, r.id, 'ada/calc')).json()).toMatchObject({ project: 'ada/calc', url: 'https://calc--ada.preview.example', current: { id: r.id } })
  })
})

describe('productionHost', () => {
  it('is a host name label, readable where it can be, and different for different projects', () => {
    const id = crypto.randomUUID()
    expect(productionHost(id)).toBe(id)
    expect(productionHost('ada/calc')).toBe('calc--ada')
    expect(productionHost('Ada/Calc')).toBe('calc--ada')
    expect(productionHost('ada-lovelace/calc-js')).toBe('calc-js--ada-lovelace')
    // A `--` is a repository's: a project merely named like its address gets another.
    expect(productionHost('calc--ada')).toMatch(/^calc-ada-[0-9a-z]{7}$/)
    const projects = [
      'ada/calc', 'ada/calc-', 'ada/calc.js', 'ada/calc_js', 'ada/calc-js', 'ada/a--b', 'a/b--ada', 'ada-b/calc', 'b/calc--ada',
      `ada/${'x'.repeat(100)}`, `ada/${'x'.repeat(99)}`, `${'a-'.repeat(19)}a/${'y'.repeat(100)}`, 'ada/...', 'ada/xn', 'calc--ada', 'My Site', 'site', 'a/b/c', '../etc',
    ]
    const hosts = projects.map(productionHost)
    for (const host of hosts) expect(host).toMatch(/^(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
    expect(new Set(hosts).size).toBe(projects.length)
  })
})
