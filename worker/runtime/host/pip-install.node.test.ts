/**
 * `pip` in the runtime against the fixture PEP 503 index on 127.0.0.1 (wheels built by python3),
 * over an in-memory workspace and package cache: what it writes, what it refuses, what it does
 * offline and when cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFixturePythonIndex, type PythonIndex } from '../../../e2e/support/python-index'
import type { FsChange } from '../../../shared/protocol'
import { PYODIDE_TARGET } from '../../install/python'
import type { CachedDocument, PackageCache } from './package-cache'
import { runPip, type PipDeps } from './pip-install'

let index: PythonIndex
beforeAll(async () => {
  index = await startFixturePythonIndex()
}, 60_000)
afterAll(() => index?.close())

const SITE = PYODIDE_TARGET.sitePackages
const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data)

/** A package cache in memory (IndexedDB's stand-in: same contract, nothing persisted). */
function memoryCache(): PackageCache {
  const archives = new Map<string, Uint8Array>()
  const documents = new Map<string, CachedDocument>()
  return {
    get: async (k) => archives.get(k),
    put: async (k, v) => void archives.set(k, v),
    getDocument: async (u) => documents.get(u),
    putDocument: async (u, d) => void documents.set(u, d),
  }
}

/** A workspace in memory and a `pip` that runs in it. */
function workspace(options: { cache?: PackageCache; fetch?: typeof fetch; env?: Record<string, string> } = {}) {
  const files = new Map<string, Uint8Array>()
  const commits: FsChange[][] = []
  const deps: PipDeps = {
    read: async (path) => files.get(path) ?? null,
    files: (dir) => [...files.keys()].filter((p) => p.startsWith(`${dir}/`)),
    async commit(changes) {
      commits.push(changes)
      for (const c of changes) {
        if (c.type === 'write') files.set(c.path, c.data)
        else if (c.type === 'remove') for (const p of [...files.keys()]) if (p === c.path || p.startsWith(`${c.path}/`)) files.delete(p)
      }
    },
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    cache: options.cache ?? memoryCache(),
  }
  const pip = async (line: string, signal = new AbortController().signal) => {
    let out = ''
    const code = await runPip(line.split(' ').filter(Boolean), { cwd: '/workspace', env: options.env ?? { PIP_INDEX_URL: index.url }, signal }, { ...deps, fetch: options.fetch ?? deps.fetch }, { stdout: (t) => (out += t), stderr: (t) => (out += t) })
    return { code, out }
  }
  return { files, commits, deps, pip, write: (path: string, body: string) => void files.set(path, new TextEncoder().encode(body)) }
}

describe('pip in the runtime', () => {
  it('installs with extras, marks what was asked for, and shows it', async () => {
    const ws = workspace()
    const r = await ws.pip('install tool-kit[fancy]')
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('Successfully installed greet-1.5.0 colorize-1.0 tool_kit-1.0')
    expect(ws.commits).toHaveLength(1)
    expect(ws.files.has(`${SITE}/tool_kit-1.0.dist-info/REQUESTED`)).toBe(true)
    expect(ws.files.has(`${SITE}/greet-1.5.0.dist-info/REQUESTED`)).toBe(false)
    expect(text(ws.files.get(`${SITE}/colorize.py`))).toContain('def red')
    expect(text(ws.files.get(`${PYODIDE_TARGET.venv}/.gitignore`))).toContain('*')
    const show = await ws.pip('show greet tool_kit')
    expect(show.out).toContain('Name: greet\nVersion: 1.5.0')
    expect(show.out).toContain('Required-by: tool_kit')
    expect(show.out).toContain('Name: tool_kit\nVersion: 1.0\nSummary: tool_kit for tests')
    expect(show.out).toContain('Requires: greet\n')
    expect((await ws.pip('list --format=json')).out).toBe('[{"name":"colorize","version":"1.0"},{"name":"greet","version":"1.5.0"},{"name":"tool_kit","version":"1.0"}]\n')
  })

  it('upgrades only when asked, keeps --no-deps to the named package, and --dry-run writes nothing', async () => {
    const ws = workspace()
    expect((await ws.pip('install greet==1.0.0')).code).toBe(0)
    expect((await ws.pip('install greet')).out).toContain('Requirement already satisfied: greet')
    const upgraded = await ws.pip('install -U greet')
    expect(upgraded.out).toContain('Successfully installed greet-2.0.0')
    expect([...ws.files.keys()].filter((p) => p.includes('greet-1.0.0'))).toEqual([])
    const dry = await ws.pip('install --dry-run tool-kit')
    expect(dry.out).toContain('Would install greet-1.5.0 tool-kit-1.0')
    expect(ws.commits).toHaveLength(2)
    const alone = workspace()
    expect((await alone.pip('install --no-deps tool-kit')).out).toContain('Successfully installed tool_kit-1.0\n')
  })

  it('checks --hash from a requirements file', async () => {
    const ws = workspace()
    ws.write('/workspace/requirements.txt', 'colorize==1.0 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n')
    const wrong = await ws.pip('install -r requirements.txt')
    expect(wrong.code).toBe(1)
    expect(wrong.out).toContain('DO NOT MATCH THE HASHES')
    expect(ws.commits).toHaveLength(0)
    const { createHash } = await import('node:crypto')
    const { readFileSync } = await import('node:fs')
    const sha = createHash('sha256').update(readFileSync(`${index.dir}/colorize-1.0-py3-none-any.whl`)).digest('hex')
    ws.write('/workspace/requirements.txt', `colorize==1.0 \\\n    --hash=sha256:${sha}\n`)
    expect((await ws.pip('install -r requirements.txt')).code).toBe(0)
  })

  it('leaves the environment as it was when cancelled mid-install', async () => {
    const controller = new AbortController()
    const ws = workspace({
      fetch: (input, init) => {
        if (String(input).endsWith('.whl')) controller.abort()
        return fetch(input, init)
      },
    })
    const r = await ws.pip('install greet', controller.signal)
    expect(r.code).toBe(130)
    expect(r.out).toContain('cancelled')
    expect(ws.commits).toHaveLength(0)
  })

  it('resolves from the cached index pages when the index cannot be reached, and says so when nothing is cached', async () => {
    const cache = memoryCache()
    expect((await workspace({ cache }).pip('install tool-kit')).code).toBe(0)
    const requests = index.requests.length
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch')
    }
    const again = workspace({ cache, fetch: offline })
    const r = await again.pip('install tool-kit')
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('Using cached greet-1.5.0-py3-none-any.whl')
    expect(index.requests.length).toBe(requests)
    const empty = await workspace({ fetch: offline }).pip('install tool-kit')
    expect(empty.code).toBe(1)
    expect(empty.out).toContain(`could not reach the package index at ${index.url} (Failed to fetch) and nothing is cached for tool-kit`)
  })

  it('reads the index from pip.conf and refuses bad command lines with usage status 2', async () => {
    const ws = workspace({ env: {} })
    ws.write('/workspace/pip.conf', `[global]\nindex-url = ${index.url}\n`)
    expect((await ws.pip('install colorize')).code).toBe(0)
    expect((await ws.pip('install')).code).toBe(2)
    expect((await ws.pip('install --frobnicate x')).out).toContain('no such option: --frobnicate')
    expect((await ws.pip('install -e .')).out).toContain('editable installs')
    expect((await ws.pip('download greet')).out).toContain('pip download is not available in the tab')
    expect((await ws.pip('install -i ftp://example.com/simple greet')).out).toContain('is not an http(s) URL')
    expect((await ws.pip('--version')).out).toContain(`from ${SITE} (python 3.14)`)
  })
})
