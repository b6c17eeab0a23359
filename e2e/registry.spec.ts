import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installedTree, nativeNpm, startFixtureRegistry, type Registry } from './support/registry'
import { DEP_GRAPH_SIZE, EVIL_ENTRIES, makeFixtureProject, type FixtureProjectName } from './support/registry-fixtures'

const work = mkdtempSync(join(tmpdir(), 'coder-registry-spec-'))
let registry: Registry

beforeAll(async () => {
  const t0 = performance.now()
  registry = await startFixtureRegistry()
  console.log(`[registry] Verdaccio with every fixture published in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
})
afterAll(async () => {
  await registry?.close()
  rmSync(work, { recursive: true, force: true })
})

/** A fixture project with its lockfile, installed by native `npm ci`. */
async function installed(name: FixtureProjectName) {
  const dir = join(work, name)
  await makeFixtureProject(registry, name, dir)
  const ci = await nativeNpm(['ci'], dir, registry)
  return { dir, ci }
}

describe('fixture registry', () => {
  it('serves every version of a package, with tarball URLs on its own origin', async () => {
    const res = await fetch(new URL('left-pad-lite', registry.url))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const doc = (await res.json()) as { versions: Record<string, { dist: { tarball: string; integrity: string } }>; 'dist-tags': Record<string, string> }
    expect(Object.keys(doc.versions).sort()).toEqual(['1.0.0', '1.1.0', '2.0.0'])
    expect(doc['dist-tags'].latest).toBe('2.0.0')
    expect(doc.versions['2.0.0']!.dist.tarball).toBe(`${registry.url}left-pad-lite/-/left-pad-lite-2.0.0.tgz`)
    expect(doc.versions['2.0.0']!.dist.integrity).toMatch(/^sha512-/)
    expect(registry.requests).toContain('/left-pad-lite')
  })

  it('never proxies to the public registry', async () => {
    expect((await fetch(new URL('react', registry.url))).status).toBe(404)
  })

  it('installs the basic project natively, and its tests and bin run', async () => {
    const { dir, ci } = await installed('basic')
    expect(ci.code, ci.stderr).toBe(0)
    expect(installedTree(dir)).toEqual([
      { path: 'node_modules/@coder-fixtures/greet', name: '@coder-fixtures/greet', version: '1.2.0' },
      { path: 'node_modules/left-pad-lite', name: 'left-pad-lite', version: '2.0.0' },
      { path: 'node_modules/tiny-cli', name: 'tiny-cli', version: '1.0.0' },
    ])
    const lock = readFileSync(join(dir, 'package-lock.json'), 'utf8')
    expect(lock).toContain(`"resolved": "${registry.url}left-pad-lite/-/left-pad-lite-2.0.0.tgz"`)
    const test = await nativeNpm(['test'], dir, registry)
    expect(test.code, test.stdout + test.stderr).toBe(0)
    expect(test.stdout).toMatch(/# pass 4\b/)
    const hello = await nativeNpm(['run', 'hello'], dir, registry)
    expect(hello.stdout).toContain('tiny-cli: hi')
  })

  it('nests the conflicting version', async () => {
    const { dir, ci } = await installed('conflict')
    expect(ci.code, ci.stderr).toBe(0)
    expect(installedTree(dir)).toEqual([
      { path: 'node_modules/app-lib', name: 'app-lib', version: '1.0.0' },
      { path: 'node_modules/left-pad-lite', name: 'left-pad-lite', version: '2.0.0' },
      { path: 'node_modules/needs-old-pad', name: 'needs-old-pad', version: '1.0.0' },
      { path: 'node_modules/needs-old-pad/node_modules/left-pad-lite', name: 'left-pad-lite', version: '1.1.0' },
    ])
  })

  it('installs at least 50 packages for bench-50', async () => {
    const { dir, ci } = await installed('bench-50')
    expect(ci.code, ci.stderr).toBe(0)
    const tree = installedTree(dir)
    expect(tree.length).toBeGreaterThanOrEqual(50)
    expect(new Set(tree.map((p) => p.name)).size).toBe(DEP_GRAPH_SIZE)
    console.log(`[registry] bench-50: ${tree.length} packages, native npm ci (cold cache) in ${Math.round(ci.ms)} ms`)
  })

  it('makes native npm ci fail with EINTEGRITY on a wrong lock integrity', async () => {
    const { dir, ci } = await installed('bad-integrity')
    expect(ci.code).not.toBe(0)
    expect(ci.stderr).toContain('EINTEGRITY')
    expect(installedTree(dir).find((p) => p.name === 'left-pad-lite')).toBeUndefined()
  })

  it('runs the postinstall script natively', async () => {
    const { dir, ci } = await installed('with-scripts')
    expect(ci.code, ci.stderr).toBe(0)
    expect(readFileSync(join(dir, 'node_modules/has-install-script/INSTALLED'), 'utf8')).toBe('yes')
  })

  it('serves the evil-traversal tarball with its escaping entries intact', async () => {
    const doc = (await (await fetch(new URL('evil-traversal', registry.url))).json()) as { versions: Record<string, { dist: { tarball: string } }> }
    const res = await fetch(doc.versions['1.0.0']!.dist.tarball)
    expect(res.status).toBe(200)
    const tar = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('latin1')
    for (const entry of Object.values(EVIL_ENTRIES)) expect(tar).toContain(entry)
  })
})
