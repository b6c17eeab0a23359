/** @module Deployments in workerd tests: clean tables, hashes, and a whole deploy (create → upload what is missing → finalize) as the IDE will do it. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import type { CreateDeploymentRequest, CreateDeploymentResponse, Deployment } from '../../shared/deploy'
import { resetWorkflows, type Person } from '../test/workflows'

export { person, connect, type Person } from '../test/workflows'

export async function resetDeployments() {
  await env.DB.exec('DELETE FROM production_history; DELETE FROM production_aliases; DELETE FROM deployment_files; DELETE FROM deployments; DELETE FROM blobs;')
  await resetWorkflows()
}

const encoder = new TextEncoder()
export const bytesOf = (content: string | Uint8Array) => (typeof content === 'string' ? encoder.encode(content) : content)

export async function sha256(content: string | Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytesOf(content)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** The `files` of a deployment request for these contents. */
export async function listing(files: Record<string, string | Uint8Array>) {
  return Promise.all(Object.entries(files).map(async ([path, content]) => ({ path, sha256: await sha256(content), size: bytesOf(content).byteLength })))
}

/** `POST /api/deployments` for these contents; resolves to the response. */
export async function create(p: Person, files: Record<string, string | Uint8Array>, more: Partial<CreateDeploymentRequest> = {}) {
  return p.json('/api/deployments', 'POST', { project: 'site', ...more, files: await listing(files) })
}

export const putBlob = (p: Person, id: string, sha: string, body: string | Uint8Array) => p.request(`/api/deployments/${id}/blobs/${sha}`, { method: 'PUT', body: bytesOf(body) })

/** Creates a deployment, uploads the bytes the edge asks for and finalizes it; resolves to the ready deployment. */
export async function deploy(p: Person, files: Record<string, string | Uint8Array>, more: Partial<CreateDeploymentRequest> = {}): Promise<Deployment> {
  const created = await create(p, files, more)
  expect(created.status).toBe(201)
  const { deployment, missing } = (await created.json()) as CreateDeploymentResponse
  const byHash = new Map(await Promise.all(Object.values(files).map(async (content) => [await sha256(content), content] as const)))
  for (const sha of missing) expect((await putBlob(p, deployment.id, sha, byHash.get(sha)!)).ok).toBe(true)
  const done = await p.json(`/api/deployments/${deployment.id}/finalize`, 'POST', {})
  expect(done.status).toBe(200)
  return (await done.json()) as Deployment
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } }
  return { status: res.status, ...body.error }
}
