import { beforeEach, describe, expect, it } from 'vitest'
import type { DeploymentDetails } from '../../shared/deploy'
import { DeployError, uploadDeployment, type DeployProgress, type DeploySource } from '../../shared/deploy/upload'
import { person, resetDeployments, type Person } from './testing'

beforeEach(resetDeployments)

const encoder = new TextEncoder()
const source = (path: string, content: string | Uint8Array): DeploySource => ({ path, read: async () => (typeof content === 'string' ? encoder.encode(content) : content) })

/** A site of `count` small files and one file too large to share a request. */
function site(tag: string, count: number) {
  const files = new Map<string, string | Uint8Array>([['index.html', `<h1>${tag}</h1>`]])
  for (let i = 1; i < count; i++) files.set(`assets/file-${i}.js`, `// ${tag} ${i}`)
  files.set('big.bin', new Uint8Array(300 * 1024).fill(tag.length))
  return files
}

const publish = (p: Person, files: Map<string, string | Uint8Array>, onProgress?: (p: DeployProgress) => void) =>
  uploadDeployment({ request: { project: 'site' }, files: [...files].map(([path, c]) => source(path, c)), api: (path, init) => p.request(path, init), onProgress })

describe('the uploader (shared/deploy/upload.ts) against the edge', () => {
  it('publishes a site in batches, then sends only what changed', async () => {
    const ada = await person('ada@example.com')
    const files = site(crypto.randomUUID(), 250)
    const seen: DeployProgress[] = []
    const first = await publish(ada, files, (p) => seen.push(p))
    expect(first).toMatchObject({ uploadedFiles: 251, totalFiles: 251, deployment: { status: 'ready', fileCount: 251 } })
    const uploads = seen.filter((p) => p.phase === 'uploading')
    expect(uploads.at(-1)).toMatchObject({ done: 251, total: 251 })
    // 250 small files in batches of at most 100, and the large one alone: a handful of requests, each reported.
    expect(uploads.length).toBeGreaterThanOrEqual(5)
    expect(uploads.length).toBeLessThan(10)
    expect(uploads.map((p) => p.done)).toEqual([...uploads.map((p) => p.done)].sort((a, b) => a - b))
    expect(seen.at(-1)?.phase).toBe('done')

    files.set('assets/file-7.js', '// changed')
    const second = await publish(ada, files)
    expect(second).toMatchObject({ uploadedFiles: 1, uploadedBytes: 10, totalFiles: 251 })
    const details = (await (await ada.request(`/api/deployments/${second.deployment.id}`)).json()) as DeploymentDetails
    expect(details.files.find((f) => f.path === 'assets/file-7.js')).toMatchObject({ size: 10, contentType: 'text/javascript; charset=utf-8' })
  })

  it('refuses what it cannot publish before sending anything, and a file that changes mid-deploy', async () => {
    const ada = await person('ada@example.com')
    const refused = (files: DeploySource[]) => uploadDeployment({ request: { project: 'site' }, files, api: (path, init) => ada.request(path, init) })
    await expect(refused([source('../secret', 'x')])).rejects.toThrow('Cannot deploy "../secret": the path contains ".."')
    await expect(refused([source('a.txt', '1'), source('a.txt', '2')])).rejects.toThrow('listed twice')
    await expect(refused([])).rejects.toThrow('the output folder is empty')
    expect(((await (await ada.request('/api/deployments?project=site')).json()) as { deployments: unknown[] }).deployments).toEqual([])

    let reads = 0
    const shifty: DeploySource = { path: 'index.html', read: async () => encoder.encode(reads++ === 0 ? 'before' : 'after!') }
    await expect(refused([shifty])).rejects.toThrow('index.html changed while it was being deployed; deploy again')
  })

  it('leaves no half-made deployment behind when an upload fails or is cancelled', async () => {
    const ada = await person('ada@example.com')
    const controller = new AbortController()
    const failed = await uploadDeployment({
      request: { project: 'site' },
      files: [source('index.html', `<h1>${crypto.randomUUID()}</h1>`)],
      signal: controller.signal,
      api: (path, init) => {
        if (path.includes('/blobs')) {
          controller.abort(new Error('Deploy cancelled'))
          return Promise.reject(controller.signal.reason)
        }
        return ada.request(path, init)
      },
    }).catch((e: unknown) => e)
    expect(failed).toMatchObject({ message: 'Deploy cancelled' })
    expect(((await (await ada.request('/api/deployments?project=site')).json()) as { deployments: unknown[] }).deployments).toEqual([])
  })

  it("carries the edge's refusal, with its status and message", async () => {
    const ada = await person('ada@example.com')
    const error = await uploadDeployment({ request: { project: 'x'.repeat(201) }, files: [source('index.html', 'hi')], api: (path, init) => ada.request(path, init) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeployError)
    expect(error).toMatchObject({ status: 400, code: 'bad_request' })
  })
})
