/**
 * @module ledger-debits: exact credit debits per second on one account, on the real edge
 * (`wrangler dev --local`, workerd). A debit is what a model call costs the ledger: hold the call's
 * worst case, then settle it (capture the cost and release the rest in one step) — two serialized
 * transactions on the user's Durable Object.
 *
 * The figure is timed inside the worker (POST /api/credits/bench, open only with
 * LEDGER_BENCH=on): 2,000 debits on one signed-in user's account, 32 in flight. Over HTTP each
 * debit is two requests, and on a 2-core machine wrangler dev alone answers only ~200 requests/s
 * (a bare 404), so an HTTP figure measures wrangler's proxy, not the ledger; it is printed too
 * (16 clients, hold + settle via /api/credits/holds) for reference.
 * Anchor: as many plain D1 insert+update pairs (a run record created and finished), timed the
 * same way in the same worker. Higher is better; the target is ≥ 500 debits/s.
 * Every run checks the books: available fell by exactly what spent rose, nothing is held.
 * State lives in a temp dir on disk; LEDGER_BENCH_STATE=/dev/shm/… puts it on tmpfs instead (then
 * delete that dir yourself), to see how much of the figure is the local disk's fsync.
 */
const SECONDS = 3
const CONCURRENCY = 16
const DEBIT_MICROS = 1_000
const STARTER_CREDITS = 1_000_000
const COUNT = 2_000
const IN_WORKER_CONCURRENCY = 32

let edge
let cookie
let userAgentOrigin

async function call(path, { method = 'GET', body, form } = {}) {
  const headers = { origin: userAgentOrigin }
  if (cookie) headers.cookie = cookie
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${edge.url}${path}`, { method, headers, body: form ? new URLSearchParams(form) : body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' })
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('coder_session='))
  if (setCookie) cookie = setCookie.split(';')[0]
  return res
}

async function ok(path, init, status = [200, 201]) {
  const res = await call(path, init)
  if (!status.includes(res.status)) throw new Error(`${init?.method ?? 'GET'} ${path} → ${res.status}: ${await res.text()}`)
  return res.json()
}

/**
 * One in-worker round. wrangler dev restarts the worker when the built IDE it serves changes (other
 * work on this machine rebuilds dist/), which answers 503 mid-request: such a round is run again.
 * Its debits are fresh refs, so the repeat counts only its own.
 */
async function inWorker() {
  for (let attempt = 0; ; attempt++) {
    const res = await call('/api/credits/bench', { method: 'POST', body: { count: COUNT, concurrency: IN_WORKER_CONCURRENCY } })
    if (res.ok) return res.json()
    const text = await res.text()
    if (res.status !== 503 || !/restarted/.test(text) || attempt === 2) throw new Error(`POST /api/credits/bench → ${res.status}: ${text}`)
    console.error('  ledger-debits: wrangler dev restarted the worker mid-round; running the round again')
  }
}

/** Runs `pair(i)` as often as it can for SECONDS with CONCURRENCY in flight; resolves to pairs per second. */
async function throughput(pair) {
  let next = 0
  let done = 0
  const start = performance.now()
  const deadline = start + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await pair(next++)
        done++
      }
    }),
  )
  return done / ((performance.now() - start) / 1000)
}

let round = 0
const debits = () => {
  const tag = `r${round++}`
  return throughput(async (i) => {
    const ref = `${tag}-${i}`
    await ok('/api/credits/holds', { method: 'POST', body: { amountMicros: 2 * DEBIT_MICROS, ref, meta: { model: 'bench', project: 'bench' } } })
    await ok(`/api/credits/holds/${ref}/settle`, { method: 'POST', body: { amountMicros: DEBIT_MICROS } })
  })
}
const httpD1Writes = () =>
  throughput(async () => {
    const id = crypto.randomUUID()
    await ok('/api/runs', { method: 'POST', body: { id, project: 'bench', kind: 'command' } })
    await ok(`/api/runs/${id}`, { method: 'PATCH', body: { status: 'succeeded', cost: 0.001 } })
  })

export default {
  name: 'ledger-debits',
  unit: '/s',
  anchor: 'plain D1 insert+update pairs in the same worker',
  timeoutMs: 3 * 60_000,
  async warmup(ctx) {
    const { startEdgeServer } = await ctx.importTs('e2e/support/edge-server.ts')
    edge = await startEdgeServer({ ...(process.env.LEDGER_BENCH_STATE ? { persistTo: process.env.LEDGER_BENCH_STATE } : {}), vars: { EMAIL_DELIVERY: 'dev-mailbox', STARTER_CREDITS: String(STARTER_CREDITS), LEDGER_BENCH: 'on' } })
    userAgentOrigin = edge.url
    const email = 'bench@coder.test'
    await ok('/api/auth/email', { method: 'POST', body: { email, next: '/' } }, [202])
    const { messages } = await ok('/api/dev/mailbox?format=json')
    const token = new URL(messages.find((m) => m.recipient === email).link).searchParams.get('token')
    const verified = await call('/api/auth/email/verify', { method: 'POST', form: { token } })
    if (!cookie) throw new Error(`Sign-in failed (${verified.status}): ${await verified.text()}`)
    const balance = await ok('/api/credits')
    if (balance.availableMicros !== STARTER_CREDITS * 1_000_000) throw new Error(`Expected the starter grant, got ${JSON.stringify(balance)}`)
    // Warm both paths (the Durable Object, D1's statements).
    await debits()
    await ok('/api/credits/bench', { method: 'POST', body: { count: 200, concurrency: IN_WORKER_CONCURRENCY } })
  },
  async runOnce(_ctx, { run }) {
    // The in-worker figure (ledger first, then D1, in one request; both on the same isolate).
    const r = await inWorker()
    const spent = r.after.spentMicros - r.before.spentMicros
    if (r.refused || r.after.heldMicros !== r.before.heldMicros || r.before.availableMicros - r.after.availableMicros !== spent || spent !== COUNT * DEBIT_MICROS) {
      throw new Error(`The books do not balance: ${JSON.stringify(r)}`)
    }
    const value = COUNT / (r.ledgerMs / 1000)
    const anchor = COUNT / (r.d1Ms / 1000)
    let http = ''
    if (run === 0) {
      const before = await ok('/api/credits')
      const viaHttp = await debits()
      const viaHttpD1 = await httpD1Writes()
      const after = await ok('/api/credits')
      if (after.heldMicros !== 0 || before.availableMicros - after.availableMicros !== after.spentMicros - before.spentMicros) {
        throw new Error(`The books do not balance over HTTP: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`)
      }
      http = `; over HTTP through wrangler dev: ${Math.round(viaHttp)} debits/s vs ${Math.round(viaHttpD1)} D1 pairs/s`
    }
    console.error(`  ledger-debits: ${Math.round(value)} exact debits/s in the worker (target ≥ 500/s), anchor ${Math.round(anchor)} D1 insert+update pairs/s${http}`)
    return { value, anchor }
  },
  async teardown() {
    await edge?.stop()
    edge = undefined
    cookie = undefined
  },
}
