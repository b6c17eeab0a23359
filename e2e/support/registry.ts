/**
 * @module A real npm registry for tests and benchmarks: Verdaccio 6 in a child process on
 * 127.0.0.1 with no uplinks (it never reaches the internet), behind a small recording proxy that
 * adds CORS and CORP so a browser tab can fetch from it; plus the native side of install tests:
 * the real `npm` run against it with an isolated cache, and the `node_modules` tree it leaves.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { fixtureCacheDir } from './fixtures'
// A cycle (the fixtures use this module's tar writer), fine: neither uses the other while loading.
import { fixtureKey, publishFixturePackages } from './registry-fixtures'

/** A running registry. */
export interface Registry {
  /** With trailing slash, as npm writes it: `http://127.0.0.1:41234/`. */
  url: string
  /** Stops Verdaccio and the proxy and deletes the temp dirs (not a `storageDir` passed in). */
  close(): Promise<void>
  /** Publishes a package folder (package.json + files) with the real `npm publish`. */
  publish(dir: string): Promise<void>
  /**
   * Publishes `tgz` as `manifest.name@manifest.version` with a hand-written manifest (its `dist`
   * is computed from the bytes), straight over HTTP: nothing checks the tarball's entries, so
   * malformed and malicious fixtures can be published.
   */
  publishTarball(manifest: { name: string; version: string; [k: string]: unknown }, tgz: Uint8Array): Promise<void>
  /**
   * Request paths the registry served (`/left-pad-lite`, `/left-pad-lite/-/left-pad-lite-2.0.0.tgz`,
   * `/@coder-fixtures%2fgreet`, …), oldest first, setup and publishing included: take its length
   * before an install to see what that install fetched.
   */
  requests: string[]
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

// The project's pinned Node 22 when installed, else the Node running this code.
const nodeBin = existsSync(join(repoRoot, 'node_modules/.bin/node')) ? realpathSync(join(repoRoot, 'node_modules/.bin/node')) : process.execPath

/** A closed port: npm is told to use it as its proxy for every host but 127.0.0.1. */
const DEAD_PROXY = 'http://127.0.0.1:9'

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, PUT, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'authorization, content-type, accept, npm-command, npm-session, npm-scope, npm-in-ci, user-agent, pacote-version, pacote-req-type, if-none-match, if-modified-since',
  'Access-Control-Expose-Headers': '*',
  'Access-Control-Max-Age': '600',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

/**
 * Starts Verdaccio (storage in `storageDir`, default a fresh temp dir; anyone may read, the test
 * user publishes; packages of `privateScopes`, e.g. `['@private']`, only a signed-in user may read)
 * and resolves once it answers `GET /-/ping`. Rejects with Verdaccio's output if it does not start
 * within 30 s.
 */
export async function startRegistry({ storageDir, privateScopes = [] }: { storageDir?: string; privateScopes?: string[] } = {}): Promise<Registry> {
  const temp = mkdtempSync(join(tmpdir(), 'coder-registry-'))
  const storage = storageDir ?? join(temp, 'storage')
  mkdirSync(storage, { recursive: true })
  const config = join(temp, 'config.yaml')
  writeFileSync(config, verdaccioConfig(storage, join(temp, 'htpasswd'), privateScopes))

  let child: ChildProcess | undefined
  let proxy: Server | undefined
  // Should the process end without close(): Verdaccio exits when its stdin closes; the files go now.
  const removeTemp = () => rmSync(temp, { recursive: true, force: true })
  process.once('exit', removeTemp)
  const close = async () => {
    await Promise.all([child && stopChild(child), proxy && closeServer(proxy)])
    removeTemp()
    process.off('exit', removeTemp)
  }
  try {
    const started = await startVerdaccio(config)
    child = started.child
    const requests: string[] = []
    proxy = await startProxy(started.port, requests)
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`
    await waitForPing(url, child)
    const token = await addUser(url)
    const publishConfig = join(temp, 'publish.npmrc')
    writeFileSync(publishConfig, `//127.0.0.1:${new URL(url).port}/:_authToken=${token}\n`)
    const registry: Registry = {
      url,
      close,
      requests,
      publish: async (dir) => {
        const result = await runNpm(['publish'], dir, registry, { userconfig: publishConfig })
        if (result.code !== 0) throw new Error(`npm publish in ${dir} exited ${result.code}:\n${result.stderr}`)
      },
      publishTarball: (manifest, tgz) => putTarball(url, token, manifest, tgz),
    }
    return registry
  } catch (error) {
    await close()
    throw error
  }
}

let fixtureRegistry: Promise<Registry> | undefined

/**
 * The registry with every fixture package of e2e/support/registry-fixtures.ts published, started
 * once per process and shared: its `close()` stops it for everyone (the next call starts a new
 * one). Verdaccio's storage is kept in bench/.cache keyed by a hash of the fixtures, so only the
 * first run on a machine publishes (~9 s); later ones start from a copy (~1.5 s).
 */
export function startFixtureRegistry(): Promise<Registry> {
  fixtureRegistry ??= launchFixtureRegistry().catch((error: unknown) => {
    fixtureRegistry = undefined
    throw error
  })
  return fixtureRegistry
}

async function launchFixtureRegistry(): Promise<Registry> {
  const cached = join(fixtureCacheDir, `registry-${fixtureKey()}`)
  const storage = mkdtempSync(join(tmpdir(), 'coder-registry-storage-'))
  const fresh = !existsSync(cached)
  if (!fresh) cpSync(cached, storage, { recursive: true })
  const removeStorage = () => rmSync(storage, { recursive: true, force: true })
  process.once('exit', removeStorage)
  const dropStorage = () => {
    removeStorage()
    process.off('exit', removeStorage)
  }
  let registry: Registry
  try {
    registry = await startRegistry({ storageDir: storage })
  } catch (error) {
    dropStorage()
    throw error
  }
  const close = registry.close
  registry.close = async () => {
    fixtureRegistry = undefined
    await close()
    dropStorage()
  }
  if (fresh) {
    try {
      await publishFixturePackages(registry)
    } catch (error) {
      await registry.close()
      throw error
    }
    saveStorage(storage, cached)
  }
  return registry
}

/** Copies a filled storage to `cached` atomically (another process may be doing the same) and drops stale ones. */
function saveStorage(storage: string, cached: string): void {
  mkdirSync(dirname(cached), { recursive: true })
  const staging = `${cached}.tmp-${process.pid}`
  cpSync(storage, staging, { recursive: true })
  try {
    renameSync(staging, cached)
  } catch {
    rmSync(staging, { recursive: true, force: true })
  }
  for (const entry of readdirSync(dirname(cached))) {
    const path = join(dirname(cached), entry)
    if (entry.startsWith('registry-') && path !== cached && !entry.includes('.tmp-')) rmSync(path, { recursive: true, force: true })
  }
}

/** What a native npm run printed and how it ended. */
export interface NpmResult {
  code: number
  stdout: string
  stderr: string
  /** Wall time of the run. */
  ms: number
}

/**
 * Runs the real npm (the copy that comes with the project's Node, else `npm` on PATH, run by the
 * project's Node 22) in `cwd` against `registry`: its own empty user and global config, cache in
 * `cacheDir` (default a fresh temp dir, deleted afterwards), no audit, fund or update check, and a
 * dead proxy for every host but 127.0.0.1, so it never reaches the internet. `npm_*` variables of
 * the calling npm are not inherited. Resolves with the exit code; never rejects for a failing run.
 */
export async function nativeNpm(args: string[], cwd: string, registry: Registry, { cacheDir }: { cacheDir?: string } = {}): Promise<NpmResult> {
  return runNpm(args, cwd, registry, { cacheDir })
}

/** One installed package. */
export interface InstalledPackage {
  /** Relative to the project: `node_modules/a/node_modules/b`, `node_modules/@s/c`. */
  path: string
  name: string
  version: string
}

/**
 * Every package installed below `projectDir/node_modules` (nested ones included; a symlinked
 * package, as npm makes for workspaces, is listed but not descended into; the node_modules of a
 * folder of the project it links to, `packages/b/node_modules/…`, is walked too), sorted by path.
 * Reads only the disk: hidden entries such as `.bin` and `.package-lock.json` are skipped.
 */
export function installedTree(projectDir: string): InstalledPackage[] {
  const found: InstalledPackage[] = []
  const root = realpathSync(projectDir)
  const linked = new Set<string>()
  const walk = (modules: string) => {
    const dir = join(projectDir, modules)
    if (!existsSync(dir)) return
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue
      const names = entry.startsWith('@') ? readdirSync(join(dir, entry)).sort().map((n) => `${entry}/${n}`) : [entry]
      for (const name of names) {
        const path = `${modules}/${name}`
        const manifest = join(projectDir, path, 'package.json')
        if (!existsSync(manifest)) continue
        const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }
        found.push({ path, name, version: version ?? '' })
        if (!lstatSync(join(projectDir, path)).isSymbolicLink()) walk(`${path}/node_modules`)
        else {
          const target = relative(root, realpathSync(join(projectDir, path)))
          if (target && !target.startsWith('..') && !isAbsolute(target) && !linked.has(target)) {
            linked.add(target)
            walk(`${target.split(sep).join('/')}/node_modules`)
          }
        }
      }
    }
  }
  walk('node_modules')
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** One tar entry; paths are written as given (nothing is normalised, so `../x` and `/x` stay). */
export interface TarEntry {
  path: string
  content?: string | Uint8Array
  /** Default 0o644 for files, 0o755 for directories and symlinks. */
  mode?: number
  type?: 'file' | 'directory' | 'symlink'
  /** A symlink's target. */
  target?: string
}

/** npm pack's fixed mtime (1985-10-26T08:15:00Z), so equal entries give equal bytes. */
const TAR_MTIME = 499_162_500

/** A gzipped ustar archive of `entries` in the given order; deterministic, as npm pack's are. */
export function createTarball(entries: TarEntry[]): Uint8Array {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    const type = entry.type ?? 'file'
    const body = type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0)
    blocks.push(tarHeader(entry, type, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return new Uint8Array(gzipSync(Buffer.concat(blocks), { level: 9 }))
}

function tarHeader(entry: TarEntry, type: 'file' | 'directory' | 'symlink', size: number): Buffer {
  const header = Buffer.alloc(512)
  let name = entry.path
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long path at a slash: up to 155 bytes of prefix, up to 100 of name.
    let split = name.indexOf('/')
    while (split !== -1 && Buffer.byteLength(name.slice(split + 1)) > 100) split = name.indexOf('/', split + 1)
    if (split <= 0 || Buffer.byteLength(name.slice(0, split)) > 155) throw new Error(`tar path too long: ${name}`)
    prefix = name.slice(0, split)
    name = name.slice(split + 1)
  }
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0') + '\0'
  header.write(name, 0, 100)
  header.write(octal(entry.mode ?? (type === 'file' ? 0o644 : 0o755), 8), 100)
  header.write(octal(0, 8), 108)
  header.write(octal(0, 8), 116)
  header.write(octal(size, 12), 124)
  header.write(octal(TAR_MTIME, 12), 136)
  header.write(' '.repeat(8), 148)
  header.write(type === 'file' ? '0' : type === 'directory' ? '5' : '2', 156)
  if (entry.target) header.write(entry.target, 157, 100)
  header.write('ustar\0', 257)
  header.write('00', 263)
  header.write(prefix, 345, 155)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  return header
}

// ---------------------------------------------------------------------------------------------
// Verdaccio

function verdaccioConfig(storage: string, htpasswd: string, privateScopes: string[]): string {
  // JSON is YAML; no `uplinks`, so a package not published here is a 404, never a fetch from npmjs.
  return JSON.stringify(
    {
      storage,
      auth: { htpasswd: { file: htpasswd, max_users: 100 } },
      web: { enable: false },
      uplinks: {},
      // Verdaccio takes the first pattern that matches.
      packages: {
        ...Object.fromEntries(privateScopes.map((scope) => [`${scope}/*`, { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' }])),
        '@*/*': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
        '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
      },
      middlewares: { audit: { enabled: false } },
      max_body_size: '50mb',
      log: { type: 'stdout', format: 'pretty', level: 'warn' },
    },
    null,
    2,
  )
}

/**
 * Runs Verdaccio's `runServer` in a child Node on a port the OS picks (no race for a free port).
 * The child exits when its stdin closes, so it never outlives this process.
 */
function startVerdaccio(config: string): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const { runServer } = await import('verdaccio')
    const server = await runServer(${JSON.stringify(config)})
    server.listen(0, '127.0.0.1', () => console.log('coder-registry-port ' + server.address().port))
    process.stdin.on('end', () => process.exit(0))
    process.stdin.resume()
  `
  const child = spawn(nodeBin, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...cleanEnv(), NO_COLOR: '1', NODE_ENV: 'production' },
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error(`Verdaccio did not start within 30 s:\n${output}`))
    }, 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /coder-registry-port (\d+)/.exec(output)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('exit', onExit)
      // Keep draining, so a chatty Verdaccio never blocks on a full pipe.
      child.stdout!.resume()
      resolve({ child, port: Number(m[1]) })
    }
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`Verdaccio exited (${code}) before listening:\n${output}`))
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', onExit)
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/**
 * The registry's public face: forwards every request to Verdaccio unchanged (Host included, so the
 * tarball URLs Verdaccio writes point back here), records its path and adds CORS and CORP.
 */
async function startProxy(upstreamPort: number, requests: string[]): Promise<Server> {
  // No keep-alive to Verdaccio: reusing a socket it has just closed fails a request now and then (ECONNRESET → 502).
  const agent = new Agent({ keepAlive: false })
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '/')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end()
      return
    }
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const headers = { ...answer.headers }
        for (const name of Object.keys(CORS_HEADERS)) delete headers[name.toLowerCase()]
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...headers, ...CORS_HEADERS })
        answer.pipe(res)
      },
    )
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { ...CORS_HEADERS, 'Content-Type': 'text/plain' })
      res.end(String(error))
    })
    req.pipe(upstream)
  })
  server.on('close', () => agent.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return server
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited (${child.exitCode})`)
    try {
      const res = await fetch(new URL('-/ping', url))
      if (res.ok) return
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`Verdaccio at ${url} did not answer /-/ping within 30 s`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Creates the test user through the registry API (htpasswd auth) and resolves to its token. */
async function addUser(url: string): Promise<string> {
  const name = 'coder-fixtures'
  const res = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password: 'coder-fixtures-password', type: 'user', roles: [], date: new Date(0).toISOString() }),
  })
  const body = (await res.json().catch(() => ({}))) as { token?: string }
  if (!res.ok || !body.token) throw new Error(`Verdaccio refused to create a user (${res.status}): ${JSON.stringify(body)}`)
  return body.token
}

async function putTarball(url: string, token: string, manifest: { name: string; version: string; [k: string]: unknown }, tgz: Uint8Array): Promise<void> {
  const { name, version } = manifest
  const bytes = Buffer.from(tgz)
  const file = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`
  const dist = {
    tarball: `${url}${name}/-/${file}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
  }
  const document = {
    _id: name,
    name,
    versions: { [version]: { _id: `${name}@${version}`, ...manifest, dist } },
    'dist-tags': { latest: version },
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length } },
  }
  const res = await fetch(new URL(name.replace('/', '%2f'), url), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(document),
  })
  if (!res.ok) throw new Error(`publishing ${name}@${version} failed (${res.status}): ${await res.text()}`)
}

// ---------------------------------------------------------------------------------------------
// Native npm

let npmCliPath: string | undefined

/** npm's entry script: the npm next to the project's Node, else the one on PATH. */
function findNpmCli(): string {
  if (npmCliPath) return npmCliPath
  const beside = join(dirname(nodeBin), '../lib/node_modules/npm/bin/npm-cli.js')
  if (existsSync(beside)) return (npmCliPath = beside)
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const npm = join(dir, 'npm')
    if (!dir || !existsSync(npm)) continue
    const real = realpathSync(npm)
    const cli = real.endsWith('.js') ? real : join(dirname(real), 'npm-cli.js')
    if (existsSync(cli)) return (npmCliPath = cli)
  }
  throw new Error('npm not found: neither beside the project Node nor on PATH')
}

/** Version of the npm `nativeNpm` runs, e.g. `11.19.1`. */
export function npmVersion(): string {
  return (JSON.parse(readFileSync(join(dirname(findNpmCli()), '../package.json'), 'utf8')) as { version: string }).version
}

/** The environment minus what a calling npm or vitest set (npm_*, NODE_OPTIONS, INIT_CWD). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_OPTIONS' || key === 'INIT_CWD' || key.startsWith('VITEST')) continue
    env[key] = value
  }
  return env
}

async function runNpm(args: string[], cwd: string, registry: Registry, options: { cacheDir?: string; userconfig?: string }): Promise<NpmResult> {
  const temp = mkdtempSync(join(tmpdir(), 'coder-npm-'))
  // npm refuses to load one file as both user and global config.
  const [userConfig, globalConfig] = [join(temp, 'user.npmrc'), join(temp, 'global.npmrc')]
  writeFileSync(userConfig, '')
  writeFileSync(globalConfig, '')
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    // Scripts (`npm test`, bins with `#!/usr/bin/env node`) run on the same Node as npm.
    PATH: [dirname(nodeBin), process.env.PATH].join(delimiter),
    NO_COLOR: '1',
    npm_config_registry: registry.url,
    npm_config_cache: options.cacheDir ?? join(temp, 'cache'),
    npm_config_userconfig: options.userconfig ?? userConfig,
    npm_config_globalconfig: globalConfig,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    npm_config_proxy: DEAD_PROXY,
    npm_config_https_proxy: DEAD_PROXY,
    npm_config_noproxy: '127.0.0.1,localhost',
    npm_config_fetch_retries: '0',
  }
  const t0 = performance.now()
  try {
    return await new Promise<NpmResult>((resolve, reject) => {
      const child = spawn(nodeBin, [findNpmCli(), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0 }))
    })
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
