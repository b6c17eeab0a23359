/**
 * @module deploy-redeploy: publishing a 500-file site again after one file changed, on the real
 * edge (`wrangler dev --local`: workerd, local D1 and R2), with the uploader the IDE and runners
 * use (shared/deploy/upload.ts): hash all files, send the manifest, upload what the edge lacks (small files batched),
 * finalize. Anchor: the first deploy of the same site in the same run (every byte new: each run's
 * site carries its own salt). Lower is better; the target is a ratio ≤ 0.2. Each run
 * checks that the redeploy uploaded exactly the one changed file and that the edge lists all 500.
 */
const FILES = 500

let edge
let cookie
let upload

async function call(path, init = {}) {
  const headers = { origin: edge.url, ...(init.headers ?? {}) }
  if (cookie) headers.cookie = cookie
  const res = await fetch(`${edge.url}${path}`, { ...init, headers, redirect: 'manual' })
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('coder_session='))
  if (setCookie) cookie = setCookie.split(';')[0]
  return res
}

async function ok(path, init, status = [200, 201, 202]) {
  const res = await call(path, init)
  if (!status.includes(res.status)) throw new Error(`${init?.method ?? 'GET'} ${path} → ${res.status}: ${await res.text()}`)
  return res.json()
}

/** A site of FILES files, 1–16 KB each (pages, scripts, styles), unique to `salt`. */
function site(salt) {
  const files = new Map()
  for (let i = 0; i < FILES; i++) {
    const ext = ['html', 'js', 'css', 'json'][i % 4]
    const path = i === 0 ? 'index.html' : `section-${i % 20}/file-${i}.${ext}`
    const size = 1024 + ((i * 7919) % 15_360)
    files.set(path, new TextEncoder().encode(`/* ${salt} ${path} */\n`.padEnd(size, 'x')))
  }
  return files
}

const sources = (files) => [...files].map(([path, bytes]) => ({ path, read: async () => bytes }))

async function deploy(files) {
  const start = performance.now()
  const result = await upload({ request: { project: 'bench-site' }, files: sources(files), api: (path, init) => call(path, init) })
  return { ms: performance.now() - start, result }
}

export default {
  name: 'deploy-redeploy',
  unit: ' ms',
  anchor: 'the first deploy of the same 500-file site',
  timeoutMs: 5 * 60_000,
  async warmup(ctx) {
    const { startEdgeServer } = await ctx.importTs('e2e/support/edge-server.ts')
    ;({ uploadDeployment: upload } = await ctx.importTs('shared/deploy/upload.ts'))
    edge = await startEdgeServer({ vars: { EMAIL_DELIVERY: 'dev-mailbox' } })
    const email = 'bench@coder.test'
    await ok('/api/auth/email', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, next: '/' }) })
    const { messages } = await ok('/api/dev/mailbox?format=json')
    const token = new URL(messages.find((m) => m.recipient === email).link).searchParams.get('token')
    const verified = await call('/api/auth/email/verify', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) })
    if (!cookie) throw new Error(`Sign-in failed (${verified.status}): ${await verified.text()}`)
    // Warm the worker's code paths and D1's statements.
    await deploy(site('warm-up'))
  },
  async runOnce(_ctx, { run }) {
    const files = site(`run-${run}-${Date.now()}`)
    const first = await deploy(files)
    if (first.result.uploadedFiles !== FILES) throw new Error(`The first deploy uploaded ${first.result.uploadedFiles} files, not all ${FILES}`)
    const changed = 'section-7/file-7.json'
    files.set(changed, new TextEncoder().encode(`{"changed": ${run}}`))
    const again = await deploy(files)
    if (again.result.uploadedFiles !== 1) throw new Error(`The redeploy uploaded ${again.result.uploadedFiles} files, not just the changed one`)
    const listed = await ok(`/api/deployments/${again.result.deployment.id}`)
    if (listed.status !== 'ready' || listed.files.length !== FILES) throw new Error(`The redeploy is ${listed.status} with ${listed.files.length} files`)
    console.error(`  deploy-redeploy: first ${Math.round(first.ms)} ms (${FILES} files, ${(first.result.uploadedBytes / 1e6).toFixed(1)} MB uploaded), redeploy ${Math.round(again.ms)} ms (1 file uploaded)`)
    return { value: again.ms, anchor: first.ms }
  },
  async teardown() {
    await edge?.stop()
    edge = undefined
    cookie = undefined
  },
}
