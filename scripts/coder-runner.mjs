#!/usr/bin/env node
/**
 * The headless runner: `npx coder-runner --edge <url> --token <runner token> [--name <n>] [--once]`.
 *
 * It runs workflow jobs with no IDE tab open, using the very code a tab uses: it opens the edge's
 * `/runner` page in headless Chromium (the IDE's own bundle: the agent worker, the overlay
 * namespace, the embedded runtime, isomorphic-git over IndexedDB), signed in with a session it
 * gets for the runner token, and copies the page's progress to stdout. Revoke the token in the
 * IDE (Settings → Runners) and the runner's session ends.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chromiumArgs, findChromium } from './find-browser.mjs'

const usage = 'usage: coder-runner --edge <url> --token <runner token> [--name <name>] [--once]\n  (or CODER_EDGE_URL and CODER_RUNNER_TOKEN in the environment)'

function fail(message) {
  process.stderr.write(`coder-runner: ${message}\n`)
  process.exit(2)
}

let args
try {
  args = parseArgs({
    options: { edge: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values
} catch (error) {
  fail(`${error.message}\n${usage}`)
}
if (args.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}
const edgeText = args.edge ?? process.env.CODER_EDGE_URL
const token = args.token ?? process.env.CODER_RUNNER_TOKEN
if (!edgeText || !token) fail(`the edge's URL and a runner token are required\n${usage}`)
let edge
try {
  edge = new URL(edgeText)
  if (!/^https?:$/.test(edge.protocol)) throw new Error('not http(s)')
} catch {
  fail(`--edge must be the IDE's http(s) URL, e.g. https://coder.example (got "${edgeText}")`)
}
const name = args.name ?? `headless-${process.pid}`

// The runner token buys a session cookie; the token itself never enters the browser.
let response
try {
  response = await fetch(new URL('/api/runners/session', edge), { method: 'POST', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
} catch (error) {
  fail(`cannot reach ${edge.origin}: ${error.cause?.message ?? error.message}`)
}
if (!response.ok) {
  let message = `${response.status} ${response.statusText}`
  try {
    message = (await response.json()).error?.message ?? message
  } catch {}
  fail(`the edge refused the runner token: ${message}`)
}
const session = await response.json()
const cookies = response.headers.getSetCookie().map((line) => {
  const [pair] = line.split(';')
  const at = pair.indexOf('=')
  return { name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), url: edge.origin }
})
if (!cookies.length) fail('the edge answered without a session cookie')

const executablePath = process.env.CHROMIUM_PATH || findChromium()
if (!executablePath) fail('no Chromium found: install one (Debian: apt-get install -y chromium) or set CHROMIUM_PATH')
const { chromium } = await import('playwright-core')
const profile = mkdtempSync(join(tmpdir(), 'coder-runner-'))
const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...chromiumArgs] })
let closing = false
const close = async (code) => {
  if (closing) return
  closing = true
  await context.close().catch(() => {})
  rmSync(profile, { recursive: true, force: true })
  process.exit(code)
}
process.on('SIGINT', () => void close(130))
process.on('SIGTERM', () => void close(143))

await context.addCookies(cookies)
const page = context.pages()[0] ?? (await context.newPage())
page.on('console', (message) => {
  const text = message.text()
  if (text.startsWith('[coder-runner] ')) process.stdout.write(`${text.slice(15)}\n`)
  else if (message.type() === 'error') process.stderr.write(`page: ${text}\n`)
})
page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`))
process.stdout.write(`coder-runner ${name}: signed in as ${session.user?.name ?? session.user?.email ?? session.user?.id ?? 'the token’s user'} at ${edge.origin}\n`)
await page.goto(new URL(`/runner?name=${encodeURIComponent(name)}${args.once ? '&once=1' : ''}`, edge).href)
if (args.once) {
  await page.waitForFunction(() => window.__coderRunner?.ended === true, undefined, { timeout: 0, polling: 500 })
  const activity = await page.evaluate(() => window.__coderRunner?.activity)
  await close(activity?.type === 'done' && activity.outcome.status === 'succeeded' ? 0 : 1)
} else {
  // Runs until stopped (Ctrl-C) or the browser goes away.
  context.on('close', () => void close(closing ? 0 : 1))
}
