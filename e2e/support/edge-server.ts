/**
 * @module The real edge for end-to-end specs: `wrangler dev --local` (workerd with local D1, KV and
 * R2) on 127.0.0.1, serving the built IDE (dist/, which e2e/support/build-app.ts builds) and the
 * API, with the vars and secrets a spec gives it. Offline-safe: wrangler's metrics, network
 * fetches and update banner are off.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const wranglerBin = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
// wrangler needs Node 22: the project's pinned one when installed, else the Node running this code.
const nodeBin = existsSync(join(repoRoot, 'node_modules/.bin/node')) ? join(repoRoot, 'node_modules/.bin/node') : process.execPath

const wranglerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
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
}

/** A running edge. */
export interface EdgeServer {
  /** Origin without trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string
  persistTo: string
  /** What wrangler and the worker printed so far (console.log of the worker included). */
  output(): string
  /** Stops wrangler and workerd (the whole process group) and deletes temp files. */
  stop(): Promise<void>
}

/**
 * Starts the edge on free ports of 127.0.0.1 and resolves once `/api/health` answers (any status:
 * a spec may test a broken D1). Rejects with wrangler's output when it exits or does not answer
 * within 90 s.
 */
export async function startEdgeServer(options: EdgeServerOptions = {}): Promise<EdgeServer> {
  const temp = mkdtempSync(join(tmpdir(), 'coder-edge-'))
  const persistTo = options.persistTo ?? join(temp, 'state')
  const envFile = join(temp, 'secrets.env')
  writeFileSync(envFile, envFileText(options.secrets ?? {}), { mode: 0o600 })
  chmodSync(envFile, 0o600)
  const removeTemp = () => rmSync(temp, { recursive: true, force: true })

  if (options.migrate !== false) {
    const migrated = spawnSync(nodeBin, [wranglerBin, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], { cwd: repoRoot, env: wranglerEnv(), encoding: 'utf8' })
    if (migrated.status !== 0) {
      removeTemp()
      throw new Error(`wrangler d1 migrations apply failed (${migrated.status}):\n${migrated.stdout}${migrated.stderr}`)
    }
  }

  const [port, inspectorPort] = [await freePort(), await freePort()]
  const args = [
    wranglerBin, 'dev', '--local',
    '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo, '--env-file', envFile,
    '--show-interactive-dev-session=false', '--log-level', 'log',
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ]
  // Its own process group, so stopping it stops workerd too.
  const child = spawn(nodeBin, args, { cwd: repoRoot, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const pid = child.pid!
  // Should this process end without stop(): never leave workerd running.
  const killOnExit = () => killGroup(pid, 'SIGKILL')
  process.once('exit', killOnExit)

  const stop = async () => {
    process.off('exit', killOnExit)
    killGroup(pid, 'SIGTERM')
    for (let waited = 0; groupAlive(pid) && waited < 5_000; waited += 100) await sleep(100)
    if (groupAlive(pid)) killGroup(pid, 'SIGKILL')
    removeTemp()
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop()
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`)
    }
    const answered = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
      async (res) => (await res.body?.cancel(), true),
      () => false,
    )
    if (answered) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev did not answer within 90 s:\n${output}`)
    }
    await sleep(250)
  }
  return { url, persistTo, output: () => output, stop }
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
