import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CreateDeploymentResponse } from '../../shared/deploy'
import { readDeploymentFile, resolveDeployment, type DeploymentFileResult, type ServedDeployment } from './index'
import { create, deploy, person, resetDeployments } from './testing'

beforeEach(resetDeployments)

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
const site = {
  'index.html': '<h1>home</h1>',
  'about.html': '<h1>about</h1>',
  'docs/index.html': '<h1>docs</h1>',
  'docs/guide/index.html': '<h1>guide</h1>',
  'assets/app.js': 'console.log("app")',
  'assets/style.css': 'body{}',
  'img/logo.png': png,
  'with space.txt': 'spaced',
}

/** What a request path answers with, read whole: status, file, type and text (or the redirect). */
async function get(deployment: ServedDeployment, path: string) {
  const result: DeploymentFileResult = await readDeploymentFile(env, deployment, path)
  if (result.type !== 'file') return result
  const bytes = new Uint8Array(await new Response(result.body).arrayBuffer())
  return { type: 'file', status: result.status, path: result.path, contentType: result.contentType, size: result.size, bytes, text: new TextDecoder().decode(bytes) }
}

async function served(files: Record<string, string | Uint8Array>, more: { spa?: boolean } = {}) {
  const ada = await person('ada@example.com')
  const d = await deploy(ada, files, more)
  const resolved = await resolveDeployment(env, d.id)
  expect(resolved).toEqual({ id: d.id, project: 'site', spa: more.spa ?? false, visibility: 'public', production: false })
  return resolved!
}

describe('serving a deployment', () => {
  it('answers each file with its bytes and the content type its extension gives', async () => {
    const d = await served(site)
    expect(await get(d, '/')).toMatchObject({ status: 200, path: 'index.html', contentType: 'text/html; charset=utf-8', text: '<h1>home</h1>' })
    expect(await get(d, '/assets/app.js')).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8', text: 'console.log("app")' })
    expect(await get(d, '/assets/style.css')).toMatchObject({ contentType: 'text/css; charset=utf-8' })
    expect(await get(d, '/img/logo.png')).toMatchObject({ contentType: 'image/png', size: png.length, bytes: png })
    expect(await get(d, '/with%20space.txt')).toMatchObject({ contentType: 'text/plain; charset=utf-8', text: 'spaced' })
  })

  it('serves index.html for folders, redirects a folder without its slash, and finds page.html for /page', async () => {
    const d = await served(site)
    expect(await get(d, '/docs/')).toMatchObject({ status: 200, path: 'docs/index.html', text: '<h1>docs</h1>' })
    expect(await get(d, '/docs/guide/')).toMatchObject({ path: 'docs/guide/index.html' })
    expect(await get(d, '/docs')).toEqual({ type: 'redirect', location: '/docs/' })
    // Never a protocol-relative redirect to another host.
    expect(await get(d, '//docs')).toEqual({ type: 'redirect', location: '/docs/' })
    expect(await get(d, '/about')).toMatchObject({ status: 200, path: 'about.html' })
    expect(await get(d, '/assets/')).toEqual({ type: 'not_found' })
  })

  it('refuses paths that leave the deployment or do not decode', async () => {
    const d = await served(site)
    for (const path of ['/../index.html', '/docs/%2e%2e/index.html', '/docs%2Findex.html', '/a%5Cb', '/%E0%A4%A', '/docs//index.html']) {
      expect(await get(d, path), path).toEqual({ type: 'not_found' })
    }
  })

  it('answers unknown pages of a single-page app with index.html, but never a missing asset', async () => {
    const d = await served(site, { spa: true })
    expect(await get(d, '/dashboard/settings')).toMatchObject({ status: 200, path: 'index.html', text: '<h1>home</h1>' })
    expect(await get(d, '/old-page.html')).toMatchObject({ status: 200, path: 'index.html' })
    expect(await get(d, '/assets/missing.js')).toEqual({ type: 'not_found' })
    expect(await get(d, '/img/missing.png')).toEqual({ type: 'not_found' })
    // Real files and folders still win over the fallback.
    expect(await get(d, '/assets/app.js')).toMatchObject({ path: 'assets/app.js' })
    expect(await get(d, '/docs/')).toMatchObject({ path: 'docs/index.html' })
  })

  it('without the single-page option a missing page is a 404, with the deployment’s 404.html when it has one', async () => {
    const plain = await served(site)
    expect(await get(plain, '/dashboard')).toEqual({ type: 'not_found' })
    await resetDeployments()
    const with404 = await served({ ...site, '404.html': '<h1>lost</h1>' })
    expect(await get(with404, '/dashboard')).toMatchObject({ status: 404, path: '404.html', text: '<h1>lost</h1>' })
    expect(await get(with404, '/assets/missing.js')).toMatchObject({ status: 404, path: '404.html' })
  })

  it('resolves only ready deployments, by id or by their project’s production alias', async () => {
    const ada = await person('ada@example.com')
    const d1 = await deploy(ada, { 'index.html': 'one' }, { visibility: 'private', spa: true })
    const d2 = await deploy(ada, { 'index.html': 'two' })
    const { deployment: uploading } = (await (await create(ada, { 'index.html': `pending ${crypto.randomUUID()}` })).json()) as CreateDeploymentResponse
    expect(await resolveDeployment(env, uploading.id)).toBeNull()
    expect(await resolveDeployment(env, crypto.randomUUID())).toBeNull()
    expect(await resolveDeployment(env, 'site')).toBeNull()
    expect(await resolveDeployment(env, d1.id)).toEqual({ id: d1.id, project: 'site', spa: true, visibility: 'private', production: false })

    await ada.json('/api/deployments/production', 'POST', { project: 'site', deploymentId: d1.id })
    await ada.json('/api/deployments/production', 'POST', { project: 'site', deploymentId: d2.id })
    expect(await resolveDeployment(env, 'site')).toMatchObject({ id: d2.id, production: true })
    await ada.json('/api/deployments/production/rollback', 'POST', { project: 'site' })
    expect(await resolveDeployment(env, 'site')).toMatchObject({ id: d1.id, production: true, visibility: 'private' })
    expect((await get((await resolveDeployment(env, 'site'))!, '/'))).toMatchObject({ text: 'one' })

    // A deleted deployment is gone, and a project named like a deployment id never shadows it.
    await ada.request(`/api/deployments/${d2.id}`, { method: 'DELETE' })
    expect(await resolveDeployment(env, d2.id)).toBeNull()
    const shadow = await deploy(ada, { 'index.html': 'shadow' }, { project: d1.id })
    await ada.json('/api/deployments/production', 'POST', { project: d1.id, deploymentId: shadow.id })
    expect(await resolveDeployment(env, d1.id)).toMatchObject({ id: d1.id, production: false })
  })
})
