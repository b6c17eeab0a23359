/**
 * @module A Python package index for tests: pure-Python wheels (and an sdist) built by python3's
 * `zipfile`/`tarfile` into a folder, served as a PEP 503 simple repository from 127.0.0.1 with
 * CORS and CORP (a cross-origin isolated tab can fetch from it), every request recorded.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One wheel to build. */
export interface WheelSpec {
  /** The project name as written (`tool_kit`, `Greet`). */
  name: string
  version: string
  /** Files of the wheel's root (site-packages), path → text. */
  files: Record<string, string>
  requires?: string[]
  extras?: string[]
  requiresPython?: string
  /** `[console_scripts]` entries: command → `module:function`. */
  consoleScripts?: Record<string, string>
}

/** A running index. */
export interface PythonIndex {
  /** The simple API root, with a trailing slash: `http://127.0.0.1:41234/simple/`. */
  url: string
  /** Paths requested, oldest first: take its length before an install to see what that install fetched. */
  requests: string[]
  /** The folder the index serves (wheels and sdists). */
  dir: string
  close(): Promise<void>
}

const PYTHON_BUILDER = String.raw`
import base64, hashlib, io, json, os, sys, tarfile, zipfile

def digest(data):
    return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()

out, specs, sdists = json.load(sys.stdin)
for spec in specs:
    dist = spec['name'].replace('-', '_')
    info = f"{dist}-{spec['version']}.dist-info"
    meta = ['Metadata-Version: 2.1', f"Name: {spec['name']}", f"Version: {spec['version']}", f"Summary: {spec['name']} for tests"]
    if spec.get('requiresPython'):
        meta.append(f"Requires-Python: {spec['requiresPython']}")
    meta += [f'Provides-Extra: {e}' for e in spec.get('extras', [])]
    meta += [f'Requires-Dist: {r}' for r in spec.get('requires', [])]
    entries = dict(spec['files'])
    entries[f'{info}/METADATA'] = '\n'.join(meta) + '\n\n' + spec['name'] + ' is a test fixture.\n'
    entries[f'{info}/WHEEL'] = 'Wheel-Version: 1.0\nGenerator: coder-fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n'
    if spec.get('consoleScripts'):
        entries[f'{info}/entry_points.txt'] = '[console_scripts]\n' + ''.join(f'{k} = {v}\n' for k, v in spec['consoleScripts'].items())
    record = []
    path = os.path.join(out, f"{dist}-{spec['version']}-py3-none-any.whl")
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in entries.items():
            data = text.encode()
            z.writestr(name, data)
            record.append(f'{name},{digest(data)},{len(data)}')
        record.append(f'{info}/RECORD,,')
        z.writestr(f'{info}/RECORD', '\n'.join(record) + '\n')
for name, version in sdists:
    with tarfile.open(os.path.join(out, f'{name}-{version}.tar.gz'), 'w:gz') as t:
        data = f'from setuptools import setup\nsetup(name={name!r}, version={version!r})\n'.encode()
        member = tarfile.TarInfo(f'{name}-{version}/setup.py')
        member.size = len(data)
        t.addfile(member, io.BytesIO(data))
`

/** Builds `wheels` and source-only `sdists` into `dir` with python3. */
export function buildDistributions(dir: string, wheels: WheelSpec[], sdists: Array<[name: string, version: string]> = []): void {
  execFileSync('python3', ['-c', PYTHON_BUILDER], { input: JSON.stringify([dir, wheels, sdists]) })
}

const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'accept, authorization',
  'Access-Control-Expose-Headers': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

const normalize = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase()

/** The project a file belongs to (`tool_kit-1.0-py3-none-any.whl` → `tool-kit`). */
function projectOf(filename: string): string {
  return normalize(filename.endsWith('.whl') ? filename.split('-')[0]! : filename.replace(/-[^-]+\.tar\.gz$/, ''))
}

/**
 * Serves the wheels and sdists in `dir` as a PEP 503 simple repository: `/simple/` lists the
 * projects, `/simple/<name>/` a project's files (other spellings of the name redirect to the
 * normalised one, as PyPI does) with `#sha256=` fragments (`wrongHashes` lists files whose
 * fragment is deliberately wrong) and `data-requires-python`; `/files/<file>` the files.
 */
export async function startPythonIndex(dir: string, options: { wrongHashes?: string[]; requiresPython?: Record<string, string> } = {}): Promise<PythonIndex> {
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requests.push(path)
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end()
    const files = readdirSync(dir).sort()
    const projects = new Map<string, string[]>()
    for (const f of files) projects.set(projectOf(f), [...(projects.get(projectOf(f)) ?? []), f])
    const html = (body: string) => res.writeHead(200, { ...CORS, 'Content-Type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"></head><body>\n${body}</body></html>\n`)
    if (path === '/simple/') return html([...projects.keys()].map((p) => `<a href="${p}/">${p}</a><br/>\n`).join(''))
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)
    if (project) {
      const name = project[1]!
      if (name !== normalize(name) || !path.endsWith('/')) return void res.writeHead(301, { ...CORS, Location: `/simple/${normalize(name)}/` }).end()
      const list = projects.get(name)
      if (!list) return void res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' }).end('Not Found')
      return html(
        list
          .map((f) => {
            const sha = options.wrongHashes?.includes(f) ? '0'.repeat(64) : createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')
            const rp = options.requiresPython?.[f]
            return `<a href="../../files/${f}#sha256=${sha}"${rp ? ` data-requires-python="${rp.replace(/>/g, '&gt;').replace(/</g, '&lt;')}"` : ''}>${f}</a><br/>\n`
          })
          .join(''),
      )
    }
    const file = /^\/files\/([^/]+)$/.exec(path)
    if (file && files.includes(file[1]!)) return void res.writeHead(200, { ...CORS, 'Content-Type': 'application/octet-stream' }).end(readFileSync(join(dir, file[1]!)))
    res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' }).end('Not Found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`,
    requests,
    dir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const greet = (version: string): WheelSpec => ({
  name: 'greet',
  version,
  files: { 'greet/__init__.py': `VERSION = ${JSON.stringify(version)}\n\ndef hello(name):\n    return f"hello, {name}"\n` },
})

/** The fixture projects: several versions of one, a dependency, a marker-excluded dependency, an extra, an sdist-only project, a wrong hash. */
export const FIXTURE_WHEELS: WheelSpec[] = [
  greet('1.0.0'),
  greet('1.5.0'),
  greet('2.0.0'),
  greet('2.1.0rc1'),
  {
    name: 'tool_kit',
    version: '1.0',
    files: {
      'tool_kit/__init__.py': 'from greet import hello, VERSION as GREET_VERSION\n\nVERSION = "1.0"\n',
      'tool_kit/cli.py': 'import sys\nfrom tool_kit import hello\n\ndef main():\n    print(hello(sys.argv[1] if len(sys.argv) > 1 else "world"))\n    return 0\n',
    },
    // winonly is not on the index at all: installing it would fail, so its marker must exclude it.
    requires: ['greet (>=1.5,<2)', 'winonly ; sys_platform == "win32"', 'colorize>=1.0 ; extra == "fancy"'],
    extras: ['fancy'],
    requiresPython: '>=3.8',
    consoleScripts: { toolkit: 'tool_kit.cli:main' },
  },
  { name: 'colorize', version: '1.0', files: { 'colorize.py': 'def red(s):\n    return f"<red>{s}</red>"\n' } },
  { name: 'needs_old_greet', version: '1.0', files: { 'needs_old_greet/__init__.py': '' }, requires: ['greet<1.5'] },
  { name: 'badhash', version: '1.0', files: { 'badhash/__init__.py': 'VERSION = "1.0"\n' } },
  { name: 'never_fetched', version: '1.0', files: { 'never_fetched.py': 'VERSION = "1.0"\n' } },
]

/** The index of FIXTURE_WHEELS plus an sdist-only project (`sdistonly`), `badhash`'s hash wrong; its folder goes on close. */
export async function startFixturePythonIndex(): Promise<PythonIndex> {
  const dir = mkdtempSync(join(tmpdir(), 'coder-pyindex-'))
  try {
    buildDistributions(dir, FIXTURE_WHEELS, [['sdistonly', '1.0']])
    const index = await startPythonIndex(dir, { wrongHashes: ['badhash-1.0-py3-none-any.whl'], requiresPython: { 'tool_kit-1.0-py3-none-any.whl': '>=3.8' } })
    return {
      ...index,
      close: async () => {
        await index.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
