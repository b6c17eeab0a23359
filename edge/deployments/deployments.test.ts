import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CreateDeploymentResponse, Deployment, DeploymentDetails, DeploymentList, FinalizeConflictBody } from '../../shared/deploy'
import { browser } from '../test/browser'
import { connect, create, deploy, errorOf, listing, person, putBlob, resetDeployments, sha256 } from './testing'

beforeEach(resetDeployments)

const unique = () => crypto.randomUUID()
const r2Has = async (sha: string) => (await env.ARTIFACTS.head(`blobs/${sha}`)) !== null

describe('deployments', () => {
  it('takes only the bytes it lacks: a second deployment sharing files is missing just the new ones', async () => {
    const ada = await person('ada@example.com')
    const n = unique()
    const v1 = { 'index.html': `<h1>v1 ${n}</h1>`, 'assets/app.js': `console.log("${n}")`, 'logo.svg': `<svg id="${n}"/>` }
    const res = await create(ada, v1, { commit: 'ab'.repeat(20), branch: 'main' })
    expect(res.status).toBe(201)
    const first = (await res.json()) as CreateDeploymentResponse
    const files = await listing(v1)
    expect(first.missing).toEqual(files.map((f) => f.sha256))
    expect(first.deployment).toMatchObject({
      project: 'site',
      repo: null,
      commit: 'ab'.repeat(20),
      branch: 'main',
      author: { id: ada.userId, name: 'ada@example.com' },
      status: 'uploading',
      readyAt: null,
      fileCount: 3,
      totalBytes: files.reduce((sum, f) => sum + f.size, 0),
      spa: false,
      visibility: 'public',
    })
    expect(first.deployment).not.toHaveProperty('url')

    const id = first.deployment.id
    for (const [path, content] of Object.entries(v1)) {
      const put = await putBlob(ada, id, await sha256(content), content)
      expect(put.status, path).toBe(201)
      expect(await put.json()).toEqual({ sha256: await sha256(content), size: content.length, stored: true })
    }
    // Sending the same bytes again changes nothing.
    const again = await putBlob(ada, id, await sha256(v1['index.html']), v1['index.html'])
    expect(again.status).toBe(200)
    expect(((await again.json()) as { stored: boolean }).stored).toBe(false)
    const ready = await ada.json(`/api/deployments/${id}/finalize`, 'POST', {})
    expect(await ready.json()).toMatchObject({ id, status: 'ready', readyAt: expect.any(Number) })

    const objects = (await env.ARTIFACTS.list({ prefix: 'blobs/' })).objects.length
    const second = (await (await create(ada, { ...v1, 'about.html': `<p>about ${n}</p>` })).json()) as CreateDeploymentResponse
    expect(second.missing).toEqual([await sha256(`<p>about ${n}</p>`)])
    expect((await putBlob(ada, second.deployment.id, second.missing[0]!, `<p>about ${n}</p>`)).status).toBe(201)
    expect((await ada.json(`/api/deployments/${second.deployment.id}/finalize`, 'POST', {})).status).toBe(200)
    expect((await env.ARTIFACTS.list({ prefix: 'blobs/' })).objects.length).toBe(objects + 1)
  })

  it('derives each content type from the extension, whatever the client says', async () => {
    const ada = await person('ada@example.com')
    const files = await listing({ 'index.html': 'h', 'app.mjs': 'm', 'fonts/Inter.WOFF2': 'f', 'data/config.json': 'j', 'README': 'r', 'blob.xyz': 'x', '.well-known/security.txt': 't' })
    const res = await ada.json('/api/deployments', 'POST', { project: 'site', files: files.map((f) => ({ ...f, contentType: 'text/html' })) })
    const { deployment } = (await res.json()) as CreateDeploymentResponse
    const details = (await (await ada.request(`/api/deployments/${deployment.id}`)).json()) as DeploymentDetails
    expect(Object.fromEntries(details.files.map((f) => [f.path, f.contentType]))).toEqual({
      '.well-known/security.txt': 'text/plain; charset=utf-8',
      README: 'application/octet-stream',
      'app.mjs': 'text/javascript; charset=utf-8',
      'blob.xyz': 'application/octet-stream',
      'data/config.json': 'application/json; charset=utf-8',
      'fonts/Inter.WOFF2': 'font/woff2',
      'index.html': 'text/html; charset=utf-8',
    })
  })

  it('refuses bytes whose SHA-256 does not match, and stores nothing', async () => {
    const ada = await person('ada@example.com')
    const n = unique()
    const good = `the real file ${n}`
    const bad = `the fake file ${n}` // as long as the real one, so only the hash tells them apart
    const { deployment } = (await (await create(ada, { 'index.html': good })).json()) as CreateDeploymentResponse
    const res = await putBlob(ada, deployment.id, await sha256(good), bad)
    expect(await errorOf(res)).toMatchObject({ status: 400, message: expect.stringMatching(/^hash mismatch: .*nothing was stored/) })
    expect(await r2Has(await sha256(good))).toBe(false)
    expect(await r2Has(await sha256(bad))).toBe(false)
    expect((await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})).status).toBe(409)
    // Bytes the deployment does not list are refused too.
    const unlisted = await putBlob(ada, deployment.id, await sha256(bad), bad)
    expect(await errorOf(unlisted)).toMatchObject({ status: 400, message: `The deployment lists no file with SHA-256 ${await sha256(bad)}` })
    expect(await r2Has(await sha256(bad))).toBe(false)
    // A listed size that is not the bytes' size: refused, nothing stored.
    const liar = (await (await ada.json('/api/deployments', 'POST', { project: 'site', files: [{ path: 'a.txt', sha256: await sha256(bad), size: 3 }] })).json()) as CreateDeploymentResponse
    expect(await errorOf(await putBlob(ada, liar.deployment.id, await sha256(bad), bad))).toMatchObject({ status: 400, message: expect.stringMatching(/^size mismatch: "a.txt" is listed as 3 bytes/) })
    expect(await r2Has(await sha256(bad))).toBe(false)
    // More bytes than listed are refused without reading them all.
    const small = (await (await create(ada, { 'small.txt': 'four' })).json()) as CreateDeploymentResponse
    expect(await errorOf(await putBlob(ada, small.deployment.id, await sha256('four'), 'four and more'))).toMatchObject({ status: 400, message: 'size mismatch: "small.txt" is listed as 4 bytes, these are more; nothing was stored' })
  })

  it('takes many small files in one request, checking every one before storing any', async () => {
    const ada = await person('ada@example.com')
    const n = unique()
    const files = { 'index.html': `<h1>${n}</h1>`, 'a.js': `a ${n}`, 'b.css': `b ${n}` }
    const { deployment, missing } = (await (await create(ada, files)).json()) as CreateDeploymentResponse
    const bytes = Object.values(files).map((c) => new TextEncoder().encode(c))
    const hashes = await Promise.all(Object.values(files).map((c) => sha256(c)))
    expect(missing).toEqual(hashes)
    const batch = (order: number[], body: Uint8Array[]) =>
      ada.request(`/api/deployments/${deployment.id}/blobs?hashes=${order.map((i) => hashes[i]).join(',')}`, { method: 'POST', body: new Uint8Array(body.flatMap((b) => [...b])) })

    // One file's bytes swapped for another of the same length: refused, nothing stored.
    const swapped = new TextEncoder().encode(`A ${n}`)
    expect(await errorOf(await batch([0, 1, 2], [bytes[0]!, swapped, bytes[2]!]))).toMatchObject({ status: 400, message: expect.stringMatching(/^hash mismatch: the bytes given for "a.js" .*nothing was stored/) })
    // Too few bytes, or an unlisted hash: refused.
    expect(await errorOf(await batch([0, 1], [bytes[0]!]))).toMatchObject({ status: 400, message: expect.stringMatching(/^size mismatch: the batch should be/) })
    const other = await sha256(`other ${n}`)
    expect(await errorOf(await ada.request(`/api/deployments/${deployment.id}/blobs?hashes=${other}`, { method: 'POST', body: 'x' }))).toMatchObject({ status: 400, message: `The deployment lists no file with SHA-256 ${other}` })
    for (const sha of hashes) expect(await r2Has(sha)).toBe(false)

    const ok = await batch([2, 0, 1], [bytes[2]!, bytes[0]!, bytes[1]!])
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({ received: 3, stored: [hashes[2], hashes[0], hashes[1]] })
    for (const sha of hashes) expect(await r2Has(sha)).toBe(true)
    expect((await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})).status).toBe(200)
    // Sent again, nothing is new.
    expect(await (await batch([0], [bytes[0]!])).json()).toEqual({ received: 1, stored: [] })
  })

  it('will not finalize while bytes are missing, and names them', async () => {
    const ada = await person('ada@example.com')
    const n = unique()
    const files = { 'index.html': `i ${n}`, 'a.js': `a ${n}`, 'b.css': `b ${n}` }
    const { deployment } = (await (await create(ada, files)).json()) as CreateDeploymentResponse
    await putBlob(ada, deployment.id, await sha256(files['index.html']), files['index.html'])
    const refused = await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})
    expect(refused.status).toBe(409)
    const body = (await refused.json()) as FinalizeConflictBody
    expect(body.missing).toEqual([
      { path: 'a.js', sha256: await sha256(files['a.js']) },
      { path: 'b.css', sha256: await sha256(files['b.css']) },
    ])
    expect(body.error).toEqual({ code: 'conflict', message: `2 files are not uploaded yet: a.js (${await sha256(files['a.js'])}), b.css (${await sha256(files['b.css'])})` })
    expect(((await (await ada.request(`/api/deployments/${deployment.id}`)).json()) as Deployment).status).toBe('uploading')
    for (const name of ['a.js', 'b.css'] as const) await putBlob(ada, deployment.id, await sha256(files[name]), files[name])
    expect(((await (await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})).json()) as Deployment).status).toBe('ready')
    expect((await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})).status).toBe(200)
  })

  it('holds to its limits with messages naming the limit, its variable and the file', async () => {
    const ada = await person('ada@example.com', { DEPLOY_MAX_FILES: '3', DEPLOY_MAX_BYTES: '100', DEPLOY_MAX_FILE_BYTES: '40' })
    expect(await errorOf(await create(ada, { a: '1', b: '2', c: '3', d: '4' }))).toEqual({
      status: 413,
      code: 'payload_too_large',
      message: 'A deployment may hold at most 3 files (DEPLOY_MAX_FILES); this one has 4',
    })
    expect(await errorOf(await create(ada, { 'index.html': 'ok', 'big.js': 'x'.repeat(50) }))).toEqual({
      status: 413,
      code: 'payload_too_large',
      message: '"big.js" is 50 bytes; a file may be at most 40 bytes (DEPLOY_MAX_FILE_BYTES)',
    })
    expect(await errorOf(await create(ada, { a: 'a'.repeat(40), b: 'b'.repeat(40), c: 'c'.repeat(40) }))).toMatchObject({
      status: 413,
      message: 'The files add up to 120 bytes; a deployment may be at most 100 bytes (DEPLOY_MAX_BYTES)',
    })
    expect(((await (await ada.request('/api/deployments')).json()) as DeploymentList).deployments).toEqual([])
  })

  it('checks paths and the rest of the request, naming the offending file', async () => {
    const ada = await person('ada@example.com')
    const sha = 'c'.repeat(64)
    const refused = async (body: unknown) => (await errorOf(await ada.json('/api/deployments', 'POST', body))).message
    const withPath = (path: string) => refused({ project: 'site', files: [{ path: 'ok.txt', sha256: sha, size: 1 }, { path, sha256: sha, size: 1 }] })
    expect(await withPath('/index.html')).toBe('files[1].path "/index.html" starts with / (paths are relative to the output folder)')
    expect(await withPath('../etc/passwd')).toBe('files[1].path "../etc/passwd" contains ".." (it would leave the output folder)')
    expect(await withPath('a/../../b')).toMatch(/contains "\.\."/)
    expect(await withPath('a\\b.js')).toMatch(/contains a backslash/)
    expect(await withPath('a//b.js')).toMatch(/is not normalised/)
    expect(await withPath('./a.js')).toMatch(/is not normalised/)
    expect(await withPath('dir/')).toMatch(/is not normalised/)
    expect(await withPath('')).toBe('files[1].path "" is empty')
    expect(await withPath('a\u0000b')).toMatch(/control character/)
    expect(await withPath(`${'x'.repeat(501)}`)).toMatch(/is longer than 500 characters$/)
    expect(await withPath('ok.txt')).toBe('"ok.txt" is listed twice')
    expect(await withPath('ok.txt/inner.txt')).toBe('"ok.txt" is listed as a file, but "ok.txt/inner.txt" makes it a folder')
    expect(await refused({ project: 'site', files: [{ path: 'a', sha256: 'not-a-hash', size: 1 }] })).toBe('"a": sha256 must be the file\'s SHA-256 in hex (64 digits)')
    expect(await refused({ project: 'site', files: [{ path: 'a', sha256: sha, size: -1 }] })).toBe('"a": size must be a whole number of bytes')
    expect(await refused({ project: 'site', files: [{ path: 'a', sha256: sha, size: 1 }, { path: 'b', sha256: sha, size: 2 }] })).toMatch(/same SHA-256 but different sizes/)
    expect(await refused({ files: [{ path: 'a', sha256: sha, size: 1 }] })).toBe('project is missing (at most 200 characters)')
    expect(await refused({ project: 'site', files: [] })).toBe('A deployment needs at least one file')
    expect(await refused({ project: 'site', visibility: 'secret', files: [{ path: 'a', sha256: sha, size: 1 }] })).toBe('visibility must be "public" or "private"')
    expect(await refused({ project: 'site', commit: 'main', files: [{ path: 'a', sha256: sha, size: 1 }] })).toMatch(/^commit must be a full commit id/)
    expect(((await (await ada.request('/api/deployments')).json()) as DeploymentList).deployments).toEqual([])
    // Upper-case hex is taken as the same hash.
    const upper = await ada.json('/api/deployments', 'POST', { project: 'site', files: [{ path: 'a', sha256: sha.toUpperCase(), size: 1 }] })
    expect(((await upper.json()) as CreateDeploymentResponse).missing).toEqual([sha])
  })

  it('lists a project newest first, without deleted ones; a deleted deployment keeps its record', async () => {
    const ada = await person('ada@example.com')
    const ids: string[] = []
    for (const n of [1, 2, 3]) ids.push((await deploy(ada, { 'index.html': `v${n}` })).id)
    await deploy(ada, { 'index.html': 'other' }, { project: 'other' })
    const list = (await (await ada.request('/api/deployments?project=site')).json()) as DeploymentList
    expect(list.deployments.map((d) => d.id)).toEqual([...ids].reverse())
    expect(((await (await ada.request('/api/deployments?project=site&limit=2')).json()) as DeploymentList)).toMatchObject({ more: true, deployments: [{ id: ids[2] }, { id: ids[1] }] })

    const deleted = await ada.request(`/api/deployments/${ids[1]}`, { method: 'DELETE' })
    expect(await deleted.json()).toMatchObject({ id: ids[1], status: 'deleted' })
    expect(((await (await ada.request('/api/deployments?project=site')).json()) as DeploymentList).deployments.map((d) => d.id)).toEqual([ids[2], ids[0]])
    expect(await (await ada.request(`/api/deployments/${ids[1]}`)).json()).toMatchObject({ status: 'deleted', fileCount: 1, files: [] })
    expect((await ada.request(`/api/deployments/${ids[1]}`, { method: 'DELETE' })).status).toBe(200)
    expect((await ada.json(`/api/deployments/${ids[1]}/finalize`, 'POST', {})).status).toBe(409)
  })

  it('fails an upload left unfinished for a day', async () => {
    const ada = await person('ada@example.com')
    const { deployment } = (await (await create(ada, { 'index.html': `late ${unique()}` })).json()) as CreateDeploymentResponse
    await env.DB.prepare('UPDATE deployments SET created_at = ? WHERE id = ?').bind(Date.now() - 25 * 60 * 60 * 1000, deployment.id).run()
    expect(((await (await ada.request(`/api/deployments/${deployment.id}`)).json()) as Deployment).status).toBe('failed')
    expect(await errorOf(await ada.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {}))).toMatchObject({ status: 409, message: expect.stringContaining('is failed') })
  })

  it('shows a deployment to its author and the members of its repository only; others get the same 404 as for none', async () => {
    const ada = await person('ada@example.com')
    const bob = await person('bob@example.com')
    const eve = await person('eve@example.com')
    await connect('ada/site', ada.userId, bob.userId)
    const mine = await deploy(ada, { 'index.html': `mine ${unique()}` })
    const team = await deploy(ada, { 'index.html': `team ${unique()}` }, { repo: 'ADA/site' })
    expect(team.repo).toBe('ada/site')

    const { deployment: pending } = (await (await create(ada, { 'x.txt': `pending ${unique()}` })).json()) as CreateDeploymentResponse
    for (const id of [mine.id, team.id, pending.id]) {
      for (const [path, init] of [
        [`/api/deployments/${id}`, {}],
        [`/api/deployments/${id}`, { method: 'DELETE' }],
        [`/api/deployments/${id}/finalize`, { method: 'POST', body: '{}' }],
        [`/api/deployments/${id}/links`, { method: 'POST', body: '{}' }],
        [`/api/deployments/${id}/blobs/${'a'.repeat(64)}`, { method: 'PUT', body: 'x' }],
      ] as const) {
        expect(await errorOf(await eve.request(path, init)), `${init.method ?? 'GET'} ${path}`).toEqual({ status: 404, code: 'not_found', message: `No deployment ${id}` })
      }
    }
    expect(((await (await eve.request('/api/deployments?project=site')).json()) as DeploymentList).deployments).toEqual([])
    // Not a member: naming the repository is refused as if it were not connected.
    expect((await create(eve, { 'index.html': 'e' }, { repo: 'ada/site' })).status).toBe(404)
    // Nor can anyone take a repository's project (and so its production address) without naming it.
    expect(await errorOf(await create(eve, { 'index.html': 'e' }, { project: 'ada/site' }))).toMatchObject({ status: 400, message: expect.stringMatching(/named like a repository/) })
    expect((await create(bob, { 'index.html': `b ${unique()}` }, { project: 'ada/site', repo: 'ada/site' })).status).toBe(201)

    // A member sees and manages the repository's deployments, not the author's own.
    expect(((await (await bob.request('/api/deployments?project=site')).json()) as DeploymentList).deployments.map((d) => d.id)).toEqual([team.id])
    expect((await bob.request(`/api/deployments/${mine.id}`)).status).toBe(404)
    expect(await (await bob.request(`/api/deployments/${team.id}`)).json()).toMatchObject({ id: team.id, author: { id: ada.userId } })
    expect((await bob.request(`/api/deployments/${team.id}`, { method: 'DELETE' })).status).toBe(200)

    const anonymous = browser()
    expect(await errorOf(await anonymous.request('/api/deployments'))).toMatchObject({ status: 401, message: expect.stringMatching(/Sign in/) })
  })

  it('puts the preview URL in its answers when the edge knows the preview origin', async () => {
    const ada = await person('ada@example.com', { PREVIEW_URL_TEMPLATE: 'http://{id}.localhost:8790' })
    const d = await deploy(ada, { 'index.html': `u ${unique()}` })
    expect(d.url).toBe(`http://${d.id}.localhost:8790`)
    expect(((await (await ada.request('/api/deployments')).json()) as DeploymentList).deployments[0]!.url).toBe(d.url)
  })
})
