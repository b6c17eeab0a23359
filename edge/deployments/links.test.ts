import { beforeEach, describe, expect, it } from 'vitest'
import type { DeploymentLink } from '../../shared/deploy'
import { signDeploymentLink, verifyDeploymentLink } from './index'
import { deploy, errorOf, person, resetDeployments } from './testing'

beforeEach(resetDeployments)

const key = 'test-link-key-0123456789abcdef'
const id = '0b4a2c9e-1f3d-4e5a-9b6c-7d8e9f0a1b2c'

describe('signed links', () => {
  it('verify until they expire, for their own deployment and key only', async () => {
    const now = Date.now()
    const token = await signDeploymentLink(key, id, now + 60_000)
    expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: key }, id, token, now)).toBe(true)
    expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: key }, id, token, now + 59_999)).toBe(true)
    expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: key }, id, token, now + 60_000)).toBe(false)
    expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: key }, crypto.randomUUID(), token, now)).toBe(false)
    expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: `${key}-rotated` }, id, token, now)).toBe(false)
    expect(await verifyDeploymentLink({}, id, token, now)).toBe(false)
  })

  it('refuse every tampered token', async () => {
    const now = Date.now()
    const token = await signDeploymentLink(key, id, now + 60_000)
    const [expiry, mac] = token.split('.') as [string, string]
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
    const tampered = [
      `${Number(expiry) + 3_600_000}.${mac}`, // a later expiry with the old signature
      `${expiry}.${flip(mac, 0)}`,
      `${expiry}.${flip(mac, mac.length - 1)}`, // even the last character's spare bits
      `${expiry}.${mac.slice(0, -1)}`,
      `${expiry}.${mac}=`,
      `${expiry}${mac}`,
      `-1.${mac}`,
      '',
      'not a token',
    ]
    for (const t of tampered) expect(await verifyDeploymentLink({ DEPLOY_LINK_KEY: key }, id, t, now), t).toBe(false)
  })

  it('are made for a deployment its author may manage, with the preview URL carrying the token', async () => {
    const env = { DEPLOY_LINK_KEY: key, PREVIEW_URL_TEMPLATE: 'http://{id}.localhost:8790' }
    const ada = await person('ada@example.com', env)
    const eve = await person('eve@example.com', env)
    const d = await deploy(ada, { 'index.html': 'private' }, { visibility: 'private' })
    const before = Date.now()
    const res = await ada.json(`/api/deployments/${d.id}/links`, 'POST', { expiresInSeconds: 3600 })
    expect(res.status).toBe(201)
    const link = (await res.json()) as DeploymentLink
    expect(link.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(link.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000)
    expect(link.url).toBe(`http://${d.id}.localhost:8790/?token=${encodeURIComponent(link.token)}`)
    expect(await verifyDeploymentLink(env, d.id, link.token)).toBe(true)
    expect(await verifyDeploymentLink(env, d.id, link.token, link.expiresAt + 1)).toBe(false)

    expect(await errorOf(await ada.json(`/api/deployments/${d.id}/links`, 'POST', { expiresInSeconds: 10 }))).toMatchObject({ status: 400, message: expect.stringMatching(/^expiresInSeconds must be/) })
    expect(await errorOf(await ada.json(`/api/deployments/${d.id}/links`, 'POST', { expiresInSeconds: 31 * 24 * 3600 }))).toMatchObject({ status: 400 })
    expect((await eve.json(`/api/deployments/${d.id}/links`, 'POST', {})).status).toBe(404)
    // Without the preview origin: the token alone, valid for a day by default.
    const bare = await person('ada@example.com', { DEPLOY_LINK_KEY: key })
    const plain = (await (await bare.json(`/api/deployments/${d.id}/links`, 'POST', {})).json()) as DeploymentLink
    expect(plain).not.toHaveProperty('url')
    expect(plain.expiresAt - Date.now()).toBeGreaterThan(23 * 3600 * 1000)
  })

  it('are refused with a 503 while the edge has no link key', async () => {
    const ada = await person('ada@example.com')
    const d = await deploy(ada, { 'index.html': 'x' }, { visibility: 'private' })
    expect(await errorOf(await ada.json(`/api/deployments/${d.id}/links`, 'POST', { expiresInSeconds: 600 }))).toEqual({
      status: 503,
      code: 'internal',
      message: 'Signed links are not set up on this server: the DEPLOY_LINK_KEY secret is unset',
    })
  })
})
