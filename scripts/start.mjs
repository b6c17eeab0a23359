#!/usr/bin/env node
// `npm start`: the whole local stack on 127.0.0.1, offline-safe.
//   1. applies edge/migrations to the local D1 (wrangler d1 migrations apply --local)
//   2. the edge on workerd (wrangler dev --local), serving the API and ./dist
//   3. the IDE on the Vite dev server, proxying /api and /git to the edge (vite.config.ts)
//   4. the GitHub stand-in (standins/github, a local GitHub for sign-in, repos and pull requests),
//      unless GITHUB_CLIENT_ID is set: then the edge uses the real GitHub with the OAuth app in
//      GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET (and GITHUB_WEB_URL/GITHUB_API_URL for Enterprise)
//   5. the model stand-in (standins/models: scripted OpenAI- and Anthropic-compatible replies) and
//      the Stripe stand-in (standins/stripe: Checkout with a Pay button, signed webhooks to the edge)
// Sign-in e-mails go to the edge's log and the dev mailbox page (/api/dev/mailbox).
//   6. the preview worker (edge/preview): published deployments at http://<id>.localhost:8790, an
//      origin apart from the IDE's, bound to the edge through wrangler's dev registry
// Ports: PORT (IDE, 5173), EDGE_PORT (8787), GITHUB_PORT (stand-in, 8788), MODELS_PORT (8789),
// PREVIEW_PORT (8790), STRIPE_PORT (12111); CODER_EDGE_URL overrides the edge URL the proxy uses.
// Ctrl-C / SIGTERM, or either server dying, stops both, workerd included.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const host = '127.0.0.1'
const idePort = Number(process.env.PORT || 5173)
const edgePort = Number(process.env.EDGE_PORT || 8787)
const edgeUrl = process.env.CODER_EDGE_URL || `http://${host}:${edgePort}`
const ideUrl = `http://${host}:${idePort}`
const persistTo = join(root, '.coder-local', 'state')
const githubPort = Number(process.env.GITHUB_PORT || 8788)
const modelsPort = Number(process.env.MODELS_PORT || 8789)
const stripePort = Number(process.env.STRIPE_PORT || 12111)
const previewPort = Number(process.env.PREVIEW_PORT || 8790)
const modelsUrl = `http://${host}:${modelsPort}`
const stripeUrl = `http://${host}:${stripePort}`
const realGitHub = Boolean(process.env.GITHUB_CLIENT_ID)
const githubUrl = realGitHub ? process.env.GITHUB_WEB_URL || 'https://github.com' : `http://${host}:${githubPort}`
const readyTimeoutMs = 120_000

const wranglerBin = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  // The banner's npm update check is the only network call wrangler makes locally.
  WRANGLER_HIDE_BANNER: 'true',
  // Non-interactive: migrations apply without a prompt, dev shows no hotkey UI.
  CI: 'true',
  // Where the edge and the preview worker find each other: this checkout's own registry.
  WRANGLER_REGISTRY_PATH: join(root, '.coder-local', 'wrangler-registry'),
}

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map()
let stopping = false

const log = (msg) => console.log(`[start] ${msg}`)

/** Runs a node script to completion; resolves to its exit code. */
function runNode(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

/**
 * Starts a long-running node script in its own process group, so that stopping it also
 * stops what it spawned (wrangler → workerd) and a terminal Ctrl-C reaches only us.
 */
function startServer(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit', detached: true })
  children.set(name, child)
  child.on('exit', (code, signal) => {
    children.delete(name)
    if (!stopping) {
      log(`${name} exited (${signal ?? `code ${code}`}); stopping the stack`)
      void stop(1)
    }
  })
  return child
}

/** True while any process of the group led by `pid` is alive. */
function groupAlive(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops one server's whole process group: SIGTERM, then SIGKILL after a grace period. */
async function stopGroup(pid) {
  try {
    process.kill(-pid, 'SIGTERM')
  } catch {
    return
  }
  for (let waited = 0; groupAlive(pid) && waited < 5_000; waited += 100) await sleep(100)
  if (groupAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  }
}

/** Stops both servers (and workerd) and exits with `code`. */
async function stop(code) {
  if (stopping) return
  stopping = true
  const pids = [...children.values()].map((c) => c.pid).filter((pid) => pid !== undefined)
  await Promise.all(pids.map(stopGroup))
  process.exit(code)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Resolves to the first response from `url` within the deadline; rejects when stopping or on timeout. */
async function waitFor(url, deadline) {
  for (;;) {
    if (stopping) throw new Error('stopping')
    try {
      return await fetch(url, { signal: AbortSignal.timeout(5_000) })
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${readyTimeoutMs / 1000}s`)
      await sleep(300)
    }
  }
}

/**
 * wrangler refuses to start without the assets directory. Before the first `vite build`,
 * give it public/ (with its _headers) and a stand-in page; the IDE itself is served by Vite.
 */
function ensureDist() {
  const dist = join(root, 'dist')
  if (existsSync(join(dist, 'index.html'))) return
  mkdirSync(dist, { recursive: true })
  if (existsSync(join(root, 'public'))) cpSync(join(root, 'public'), dist, { recursive: true })
  writeFileSync(
    join(dist, 'index.html'),
    `<!doctype html><title>Coder</title><p>IDE not built yet: run npm run build, or open ${ideUrl}.\n`,
  )
  log('dist/ has no build yet: the edge serves a placeholder page (npm run build replaces it)')
}

process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
// npm does not forward SIGTERM to `sh -c node scripts/start.mjs`: when our parent goes, so do we.
const parentPid = process.ppid
setInterval(() => {
  if (!stopping && process.ppid !== parentPid) {
    log('parent process exited; stopping the stack')
    void stop(0)
  }
}, 500).unref()

ensureDist()
mkdirSync(persistTo, { recursive: true })

log('applying D1 migrations (local)')
const migrated = await runNode(
  [wranglerBin, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
  wranglerEnv,
)
if (migrated !== 0) {
  log(`wrangler d1 migrations apply failed (exit ${migrated})`)
  process.exit(migrated)
}
if (stopping) process.exit(0)

// The key that encrypts stored GitHub tokens: made once for this checkout, kept beside the local state.
const keyFile = join(root, '.coder-local', 'token-key')
if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 })
// And the key that signs links to private deployments.
const linkKeyFile = join(root, '.coder-local', 'deploy-link-key')
if (!existsSync(linkKeyFile)) writeFileSync(linkKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 })
const edgeVars = {
  APP_URL: ideUrl,
  APP_ORIGINS: `${ideUrl} ${edgeUrl}`,
  EMAIL_DELIVERY: 'dev-mailbox',
  TOKEN_KEY: readFileSync(keyFile, 'utf8').trim(),
  DEPLOY_LINK_KEY: readFileSync(linkKeyFile, 'utf8').trim(),
  // Deployments are served by the preview worker on their own origins; the IDE's preview pane may frame them.
  PREVIEW_URL_TEMPLATE: `http://{id}.localhost:${previewPort}`,
  PREVIEW_FRAME_ANCESTORS: `${ideUrl} ${edgeUrl}`,
  GITHUB_WEB_URL: githubUrl,
  GITHUB_API_URL: realGitHub ? process.env.GITHUB_API_URL || 'https://api.github.com' : `${githubUrl}/api/v3`,
  GITHUB_CLIENT_ID: realGitHub ? process.env.GITHUB_CLIENT_ID : 'standin-client-id',
  GITHUB_CLIENT_SECRET: realGitHub ? process.env.GITHUB_CLIENT_SECRET || '' : 'standin-client-secret',
  MODEL_UPSTREAMS: JSON.stringify([
    { name: 'standin-openai', format: 'openai', baseUrl: `${modelsUrl}/v1`, models: ['*'] },
    { name: 'standin-anthropic', format: 'anthropic', baseUrl: modelsUrl, models: ['*'] },
  ]),
  MODEL_PRICES: JSON.stringify({ '*': { input: 1, output: 4 } }),
  MODEL_KEYS: JSON.stringify({ 'standin-openai': 'sk-standin', 'standin-anthropic': 'sk-standin' }),
  STRIPE_API_URL: stripeUrl,
  STRIPE_SECRET_KEY: 'sk_test_standin',
  STRIPE_WEBHOOK_SECRET: 'whsec_standin_local',
  // GitHub's webhooks (issues, pull requests, pushes) start workflows; the stand-in signs them with this.
  ...(realGitHub ? (process.env.GITHUB_WEBHOOK_SECRET ? { GITHUB_WEBHOOK_SECRET: process.env.GITHUB_WEBHOOK_SECRET } : {}) : { GITHUB_WEBHOOK_SECRET: 'standin-webhook-secret' }),
}
startServer('model stand-in', [join(root, 'standins', 'models', 'server.ts'), '--port', String(modelsPort)], process.env)
startServer('Stripe stand-in', [join(root, 'standins', 'stripe', 'server.ts'), '--port', String(stripePort), '--webhook', `${edgeUrl}/api/stripe/webhook`], process.env)
if (!realGitHub) {
  startServer(
    'GitHub stand-in',
    [join(root, 'standins', 'github', 'server.ts'), '--port', String(githubPort), '--git-root', join(root, '.coder-local', 'github'), '--oauth-redirect-uri', `${ideUrl}/api/auth/github/callback`, '--webhook', `${edgeUrl}/api/github/webhook`, '--webhook-secret', 'standin-webhook-secret'],
    process.env,
  )
}
startServer(
  'edge (wrangler dev)',
  [
    wranglerBin, 'dev', '--local',
    '--ip', host, '--port', String(edgePort),
    '--persist-to', persistTo,
    '--show-interactive-dev-session=false',
    // wrangler dev runs no Cron Triggers by itself: it exposes them, and the ticker below fires them each minute.
    '--test-scheduled',
    ...Object.entries(edgeVars).flatMap(([key, value]) => ['--var', `${key}:${value}`]),
  ],
  wranglerEnv,
)
startServer(
  'preview worker (wrangler dev)',
  [
    wranglerBin, 'dev', '--local', '--config', join(root, 'edge', 'preview', 'wrangler.toml'),
    '--ip', host, '--port', String(previewPort), '--inspector-port', String(previewPort + 1000),
    '--persist-to', join(root, '.coder-local', 'preview-state'),
    '--show-interactive-dev-session=false',
  ],
  wranglerEnv,
)
startServer(
  'IDE (vite)',
  [viteBin, '--host', host, '--port', String(idePort), '--strictPort'],
  { ...process.env, CODER_EDGE_URL: edgeUrl },
)

/**
 * wrangler.toml's Cron Trigger (`* * * * *`, which fires workflow schedules), as Cloudflare would
 * run it: at the start of every minute, through wrangler dev's scheduled-handler endpoint.
 */
function startCronTicker() {
  const tick = () => {
    if (stopping) return
    fetch(`${edgeUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}`).catch((error) => log(`the cron tick failed: ${error.message}`))
    setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50)
  }
  setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50)
}

try {
  const deadline = Date.now() + readyTimeoutMs
  const health = await waitFor(`${edgeUrl}/api/health`, deadline)
  const body = await health.json().catch(() => null)
  if (!health.ok) log(`edge health is ${health.status}: ${JSON.stringify(body)}`)
  // Through the proxy: proves Vite is up and forwards to the edge.
  const proxied = await waitFor(`${ideUrl}/api/health`, deadline)
  if (!proxied.ok) log(`IDE proxy to the edge answered ${proxied.status}`)
  startCronTicker()
  console.log(`\nIDE: ${ideUrl}  Edge: ${edgeUrl}  ${realGitHub ? `GitHub: ${githubUrl}` : `GitHub stand-in: ${githubUrl} (signs you in as coder-dev)`}  Mailbox: ${ideUrl}/api/dev/mailbox  Models: ${modelsUrl}  Stripe: ${stripeUrl}  Previews: http://<id>.localhost:${previewPort}\n`)
} catch (err) {
  if (!stopping) {
    log(err.message)
    await stop(1)
  }
}
