/**
 * @module The real edge for end-to-end specs: `wrangler dev --local` (workerd with local D1, KV and
 * R2) on 127.0.0.1, serving the built IDE (dist/, which e2e/support/build-app.ts builds) and the
 * API, with the vars and secrets a spec gives it. Offline-safe: wrangler's metrics, network
 * fetches and update banner are off.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const wranglerBin = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
// wrangler needs Node 22: the project's pinned one when installed, else the Node running this code.
const nodeBin = existsSync(join(repoRoot, 'node_modules/.bin/node')) ? join(repoRoot, 'node_modules/.bin/node') : process.execPath

const wranglerEnv = (registry?: string): NodeJS.ProcessEnv => ({
  ...process.env,
  // The edge and its preview worker find each other (a service binding) through this registry:
  // their own, so no other wrangler dev on the machine is taken for them.
  ...(registry ? { WRANGLER_REGISTRY_PATH: registry } : {}),
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  // Non-interactive: migrations apply without a prompt, dev shows no hotkey UI.
  CI: 'true',
  NO_COLOR: '1',
})

/** What the edge runs with. */
export interface EdgeServerOptions {
  /** Plain vars, given as `--var NAME:value`; they override wrangler.toml's [vars]. */
  vars?: Record<string, string>
  /**
   * Secrets (tokens, keys), written to a private temp env file given with `--env-file`, never on
   * the command line. The repository's own `.dev.vars` is not read, so a developer's local secrets
   * never leak into a test.
   */
  secrets?: Record<string, string>
  /** Where D1, KV and R2 keep their state; default a fresh temp dir, deleted by `stop()`. */
  persistTo?: string
  /** Apply edge/migrations to the local D1 before starting (default true). */
  migrate?: boolean
  /**
   * Also run the preview worker (edge/preview) on a port of its own, serving deployments at
   * `http://<id>.localhost:<port>` (PREVIEW_URL_TEMPLATE, framed by the edge's own origin).
   */
  preview?: boolean
}

/** A running edge. */
export interface EdgeServer {
  /** Origin without trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string
  persistTo: string
  /** What wrangler and the worker printed so far (console.log of the worker included). */
  output(): string
  /** With `preview`: the origin a deployment (or a project's production) is served at, `http://<id>.localhost:<port>`. */
  previewOrigin(id: string): string
  /**
   * With `preview`: a GET (or `init.method`) of `path` on deployment `id`'s preview origin, sent to
   * 127.0.0.1 with its Host header (Node cannot resolve `*.localhost`; Chromium can).
   */
  previewFetch(id: string, path?: string, init?: { method?: string; headers?: Record<string, string> }): Promise<Response>
  /** Stops wrangler and workerd (the whole process group) and deletes temp files. */
  stop(): Promise<void>
}

/**
 * Starts the edge on free ports of 127.0.0.1 and resolves once `/api/health` answers (any status:
 * a spec may test a broken D1). Rejects with wrangler's output when it exits or does not answer
 * within 90 s.
 */
export async function startEdgeServer(options: EdgeServerOptions = {}): Promise<EdgeServer> {
  try {
    return await startOnce(options)
  } catch (error) {
    // Free ports are picked before wrangler binds them, so another process may take one first:
    // a wrangler that exits at start is given one more go, on fresh ports.
    if (!(error instanceof EarlyExit)) throw error
    console.warn(`[edge-server] ${error.message.split('\n')[0]}; starting again on other ports`)
    return startOnce(options)
  }
}

/** wrangler dev ended before it answered. */
class EarlyExit extends Error {}

async function startOnce(options: EdgeServerOptions): Promise<EdgeServer> {
  const temp = mkdtempSync(join(tmpdir(), 'coder-edge-'))
  const persistTo = options.persistTo ?? join(temp, 'state')
  const envFile = join(temp, 'secrets.env')
  writeFileSync(envFile, envFileText(options.secrets ?? {}), { mode: 0o600 })
  chmodSync(envFile, 0o600)
  const removeTemp = () => rmSync(temp, { recursive: true, force: true })

  if (options.migrate !== false) {
    try {
      cpSync(migratedState(), persistTo, { recursive: true })
    } catch (error) {
      removeTemp()
      throw error
    }
  }

  const [port, inspectorPort] = [await freePort(), await freePort()]
  const previewPort = options.preview ? await freePort() : 0
  const registry = options.preview ? join(temp, 'registry') : undefined
  const url = `http://127.0.0.1:${port}`
  const vars = {
    ...(options.preview ? { PREVIEW_URL_TEMPLATE: `http://{id}.localhost:${previewPort}`, PREVIEW_FRAME_ANCESTORS: url } : {}),
    ...options.vars,
  }
  const args = [
    wranglerBin, 'dev', '--local',
    '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo, '--env-file', envFile,
    '--show-interactive-dev-session=false', '--log-level', 'log',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ]
  let output = ''
  const pids: number[] = []
  // Each in its own process group, so stopping it stops workerd too.
  const launch = (argv: string[]): ChildProcess => {
    const child = spawn(nodeBin, argv, { cwd: repoRoot, env: wranglerEnv(registry), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    pids.push(child.pid!)
    return child
  }
  const child = launch(args)
  const preview = options.preview
    ? launch([
        wranglerBin, 'dev', '--local', '--config', join(repoRoot, 'edge', 'preview', 'wrangler.toml'),
        '--ip', '127.0.0.1', '--port', String(previewPort), '--inspector-port', String(await freePort()),
        '--persist-to', join(temp, 'preview-state'), '--show-interactive-dev-session=false', '--log-level', 'log',
      ])
    : null
  // Should this process end without stop(): never leave workerd running.
  const killOnExit = () => pids.forEach((pid) => killGroup(pid, 'SIGKILL'))
  process.once('exit', killOnExit)

  const stop = async () => {
    process.off('exit', killOnExit)
    pids.forEach((pid) => killGroup(pid, 'SIGTERM'))
    for (let waited = 0; pids.some(groupAlive) && waited < 5_000; waited += 100) await sleep(100)
    pids.forEach((pid) => groupAlive(pid) && killGroup(pid, 'SIGKILL'))
    removeTemp()
  }

  const previewOrigin = (id: string) => {
    if (!options.preview) throw new Error('startEdgeServer({ preview: true }) runs the preview worker; this edge has none')
    return `http://${id}.localhost:${previewPort}`
  }
  const previewFetch = (id: string, path = '/', init: { method?: string; headers?: Record<string, string> } = {}) =>
    new Promise<Response>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: previewPort, path, method: init.method ?? 'GET', headers: { ...init.headers, host: new URL(previewOrigin(id)).host } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const headers = new Headers()
          for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) headers.append(name, v)
          const status = res.statusCode ?? 500
          resolve(new Response([101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }))
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })

  const deadline = Date.now() + 90_000
  for (;;) {
    const exited = [child, preview].find((c) => c && (c.exitCode !== null || c.signalCode !== null))
    if (exited) {
      await stop()
      throw new EarlyExit(`${exited === preview ? "the preview worker's " : ''}wrangler dev exited (${exited.exitCode ?? exited.signalCode}) before answering:\n${output}`)
    }
    const answered = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
      async (res) => (await res.body?.cancel(), true),
      () => false,
    )
    // The preview worker is ready once the edge answers through its binding: the edge's own "no deployment" page.
    const previewReady = !options.preview || (await previewFetch('no-such-deployment').then((res) => res.status === 404 && res.headers.has('content-security-policy'), () => false))
    if (answered && previewReady) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev did not answer within 90 s:\n${output}`)
    }
    await sleep(250)
  }
  return { url, persistTo, output: () => output, previewOrigin, previewFetch, stop }
}

/**
 * A local state whose D1 has every migration of edge/migrations applied, made once per set of
 * migrations (and wrangler version) and copied for each edge: applying them takes wrangler several
 * seconds, a copy a few milliseconds. Kept in the temp dir under a hash of what made it.
 */
function migratedState(): string {
  const migrations = join(repoRoot, 'edge', 'migrations')
  const hash = createHash('sha256').update(readFileSync(join(repoRoot, 'node_modules', 'wrangler', 'package.json')))
  for (const name of readdirSync(migrations).sort()) hash.update(name).update(readFileSync(join(migrations, name)))
  hash.update(readFileSync(join(repoRoot, 'wrangler.toml')))
  const template = join(tmpdir(), `coder-e2e-d1-${hash.digest('hex').slice(0, 16)}`)
  if (existsSync(join(template, 'complete'))) return join(template, 'state')
  const staging = mkdtempSync(join(tmpdir(), 'coder-e2e-d1-staging-'))
  const migrated = spawnSync(nodeBin, [wranglerBin, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', join(staging, 'state')], { cwd: repoRoot, env: wranglerEnv(), encoding: 'utf8' })
  if (migrated.status !== 0) {
    rmSync(staging, { recursive: true, force: true })
    throw new Error(`wrangler d1 migrations apply failed (${migrated.status}):\n${migrated.stdout}${migrated.stderr}`)
  }
  writeFileSync(join(staging, 'complete'), '')
  try {
    renameSync(staging, template)
  } catch {
    // Another process made it meanwhile: use theirs.
    rmSync(staging, { recursive: true, force: true })
  }
  return join(template, 'state')
}

/** `.env` lines; values single-quoted, so JSON stays as written. */
function envFileText(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([name, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/i.test(name) || /['\n\r]/.test(value)) throw new Error(`secret ${name} cannot be written to an env file (a name of letters, digits and _; a value without ' or line breaks)`)
      return `${name}='${value}'\n`
    })
    .join('')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {}
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
