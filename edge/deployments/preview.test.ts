import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../env'
import { PREVIEW_COOKIE, previewKey, servePreview, signDeploymentLink } from './index'
import { connect, deploy, person, resetDeployments } from './testing'

beforeEach(resetDeployments)

const key = 'test-link-key-0123456789abcdef'
const previewEnv = { ...env, PREVIEW_URL_TEMPLATE: 'https://{id}.preview.test', PREVIEW_FRAME_ANCESTORS: 'https://ide.test', DEPLOY_LINK_KEY: key } as Env
const site = { 'index.html': '<h1>home</h1><script src="/app.js"></script>', 'app.js': 'console.log(1)', 'docs/index.html': '<h1>docs</h1>' }

const get = (host: string, path = '/', init: RequestInit = {}) => servePreview(previewEnv, new Request(`https://${host}${path}`, init))

describe('the preview origin', () => {
  it('names the deployment by the part of the host the template gives, and nothing else', () => {
    const at = (href: string, template?: string) => previewKey({ PREVIEW_URL_TEMPLATE: template }, new URL(href))
    expect(at('https://abc-1.preview.test/x', 'https://{id}.preview.test')).toBe('abc-1')
    expect(at('https://ABC.preview.test/', 'https://{id}.preview.test')).toBe('abc')
    expect(at('https://abc.other.test/', 'https://{id}.preview.test')).toBeNull()
    expect(at('https://a.b.preview.test/', 'https://{id}.preview.test')).toBeNull()
    expect(at('http://abc.localhost:8790/', 'http://{id}.localhost:8790')).toBe('abc')
    expect(at('http://abc.localhost:8790/')).toBe('abc')
  })

  it('serves a public deployment with its content types, caching (pages revalidated, assets immutable), ETags and a restrictive CSP', async () => {
    const d = await deploy(await person('ada@example.com'), site)
    const host = `${d.id}.preview.test`
    const home = await get(host)
    expect(home.status).toBe(200)
    expect(await home.text()).toContain('<h1>home</h1>')
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8')
    // Pages are revalidated (deleting the deployment takes effect), assets kept for good.
    expect(home.headers.get('cache-control')).toBe('public, no-cache')
    const csp = home.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain('frame-ancestors https://ide.test')
    expect(home.headers.get('x-content-type-options')).toBe('nosniff')
    expect(home.headers.get('cross-origin-resource-policy')).toBe('cross-origin')

    const js = await get(host, '/app.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const etag = js.headers.get('etag')!
    expect(await js.text()).toBe('console.log(1)')
    const again = await get(host, '/app.js', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    const head = await get(host, '/app.js', { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '14', ''])

    expect((await get(host, '/docs')).headers.get('location')).toBe('/docs/')
    const missing = await get(host, '/nope.js')
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('is not part of this deployment')
    expect((await get(host, '/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404)
    expect((await get(host, '/%E0%A4%A')).status).toBe(404)
  })

  it('serves nothing but deployment files: other methods, hosts and ids get no IDE page and no API', async () => {
    const d = await deploy(await person('ada@example.com'), site)
    expect((await get(`${d.id}.preview.test`, '/', { method: 'POST', body: 'x' })).status).toBe(405)
    for (const [host, path] of [[`${crypto.randomUUID()}.preview.test`, '/'], ['preview.test', '/'], [`${d.id}.elsewhere.test`, '/'], [`${d.id}.preview.test`, '/api/me']] as const) {
      const res = await get(host, path)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain('<div id="root"')
    }
  })

  it('opens a private deployment only through a signed link, whose token moves into a cookie of that host', async () => {
    const d = await deploy(await person('ada@example.com'), site, { visibility: 'private' })
    const host = `${d.id}.preview.test`
    expect((await get(host)).status).toBe(403)

    const token = await signDeploymentLink(key, d.id, Date.now() + 60_000)
    const opened = await get(host, `/docs/?token=${encodeURIComponent(token)}&q=1`)
    expect(opened.status).toBe(303)
    expect(opened.headers.get('location')).toBe('/docs/?q=1')
    const cookie = opened.headers.get('set-cookie')!
    expect(cookie).toMatch(new RegExp(`^${PREVIEW_COOKIE}=${token.replace('.', '\\.')}; Path=/; Max-Age=(59|60); HttpOnly; SameSite=None; Secure; Partitioned$`))

    const page = await get(host, '/docs/', { headers: { cookie: `${PREVIEW_COOKIE}=${token}` } })
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('<h1>docs</h1>')
    expect(page.headers.get('cache-control')).toBe('private, no-cache')

    const expired = await signDeploymentLink(key, d.id, Date.now() - 1)
    expect((await get(host, `/?token=${expired}`)).status).toBe(403)
    expect((await get(host, '/', { headers: { cookie: `${PREVIEW_COOKIE}=${expired}` } })).status).toBe(403)
    const other = await signDeploymentLink(key, crypto.randomUUID(), Date.now() + 60_000)
    expect((await get(host, '/', { headers: { cookie: `${PREVIEW_COOKIE}=${other}` } })).status).toBe(403)
  })

  it("serves a project's production under its host label, following promote and rollback", async () => {
    const ada = await person('ada@example.com')
    const one = await deploy(ada, { 'index.html': 'one' })
    const two = await deploy(ada, { 'index.html': 'two' })
    expect((await get('site.preview.test')).status).toBe(404)
    for (const id of [one.id, two.id]) expect((await ada.json('/api/deployments/production', 'POST', { project: 'site', deploymentId: id })).status).toBe(200)
    const live = await get('site.preview.test')
    expect(await live.text()).toBe('two')
    expect(live.headers.get('cache-control')).toBe('public, no-cache')
    expect((await ada.json('/api/deployments/production/rollback', 'POST', { project: 'site' })).status).toBe(200)
    expect(await (await get('site.preview.test')).text()).toBe('one')
    // A repository's production, under name--owner; its own name is no host.
    await connect('ada/calc', ada.userId)
    const calc = await deploy(ada, { 'index.html': 'calc' }, { project: 'ada/calc', repo: 'ada/calc' })
    expect((await ada.json('/api/deployments/production', 'POST', { project: 'ada/calc', deploymentId: calc.id })).status).toBe(200)
    expect(await (await get('calc--ada.preview.test')).text()).toBe('calc')
    expect((await get('calc.preview.test')).status).toBe(404)
  })
})
