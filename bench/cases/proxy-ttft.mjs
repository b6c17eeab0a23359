/**
 * @module proxy-ttft: time to the first token of a streamed chat completion through the local
 * edge (`wrangler dev --local`: session, price lookup, credit hold, upstream call, streamed
 * relay) vs straight to the scripted model stand-in, in the same run. Each run is the median of
 * 15 requests of each kind, alternating. The target: the edge adds at most 10 ms
 * (median). The stand-in answers at once, in 10 chunks 20 ms apart. Every run also times a bare
 * request through wrangler dev (a 404), which on this machine is most of what the edge adds: the
 * local proxy in front of workerd, which a deployed worker does not have.
 */
const REQUESTS = 15
const STARTER_CREDITS = 1000

let edge
let standIn
let cookie

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Milliseconds from sending the request to the first SSE chunk that carries text. */
async function ttft(url, headers) {
  const body = JSON.stringify({ model: 'bench-model', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'bench: say something' }] })
  const t0 = performance.now()
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`)
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let first = null
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (first === null && /"content":"[^"]/.test(text)) first = performance.now() - t0
  }
  if (first === null) throw new Error(`no token from ${url}: ${text.slice(0, 300)}`)
  return first
}

export default {
  name: 'proxy-ttft',
  unit: 'ms',
  anchor: 'straight to the model stand-in',
  timeoutMs: 3 * 60_000,
  async warmup(ctx) {
    const { startModelStandIn } = await ctx.importTs('standins/models/index.ts')
    standIn = await startModelStandIn({ keys: ['sk-bench'], scripts: [{ name: 'bench', match: { contains: 'bench' }, reply: { text: 'one two three four five six seven eight nine ten', chunkSize: 4, delayMs: 20, usage: { input: 20, output: 10 } } }] })
    const { startEdgeServer } = await ctx.importTs('e2e/support/edge-server.ts')
    edge = await startEdgeServer({
      vars: {
        EMAIL_DELIVERY: 'dev-mailbox',
        STARTER_CREDITS: String(STARTER_CREDITS),
        MODEL_UPSTREAMS: JSON.stringify([{ name: 'bench', format: 'openai', baseUrl: standIn.openaiBaseUrl, models: ['bench-*'] }]),
        MODEL_PRICES: JSON.stringify({ 'bench-*': { input: 1, output: 1 } }),
      },
      secrets: { MODEL_KEYS: JSON.stringify({ bench: 'sk-bench' }) },
    })
    const call = (path, init = {}) => fetch(`${edge.url}${path}`, { redirect: 'manual', ...init, headers: { origin: edge.url, ...(cookie ? { cookie } : {}), ...init.headers } })
    const email = 'ttft@coder.test'
    await call('/api/auth/email', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) })
    const { messages } = await (await call('/api/dev/mailbox?format=json')).json()
    const token = new URL(messages.find((m) => m.recipient === email).link).searchParams.get('token')
    const verified = await call('/api/auth/email/verify', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) })
    cookie = verified.headers.getSetCookie().find((c) => c.startsWith('coder_session='))?.split(';')[0]
    if (!cookie) throw new Error(`Sign-in failed (${verified.status}): ${await verified.text()}`)
    // Warm both paths: the worker, its Durable Object, the stand-in.
    for (let i = 0; i < 3; i++) {
      await ttft(`${edge.url}/v1/chat/completions`, { cookie, origin: edge.url })
      await ttft(`${standIn.openaiBaseUrl}/chat/completions`, { authorization: 'Bearer sk-bench' })
    }
  },
  async runOnce() {
    const viaEdge = []
    const direct = []
    for (let i = 0; i < REQUESTS; i++) {
      viaEdge.push(await ttft(`${edge.url}/v1/chat/completions`, { cookie, origin: edge.url }))
      direct.push(await ttft(`${standIn.openaiBaseUrl}/chat/completions`, { authorization: 'Bearer sk-bench' }))
    }
    // What any request costs through wrangler dev's local proxy (a bare 404), to tell it from the edge's own work.
    const bare = []
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now()
      await (await fetch(`${edge.url}/api/bench-nothing-here`)).text()
      bare.push(performance.now() - t0)
    }
    const value = median(viaEdge)
    const anchor = median(direct)
    const overhead = median(bare)
    console.error(
      `  proxy-ttft: first token ${value.toFixed(1)} ms through the edge vs ${anchor.toFixed(1)} ms straight: the edge adds ${(value - anchor).toFixed(1)} ms (target ≤ 10 ms),` +
        ` of which ${overhead.toFixed(1)} ms is any request through wrangler dev's local proxy (a bare 404), ${(value - anchor - overhead).toFixed(1)} ms the proxy's own work (session, hold, relay)`,
    )
    return { value, anchor }
  },
  async teardown() {
    await edge?.stop()
    await standIn?.close()
    edge = undefined
    standIn = undefined
    cookie = undefined
  },
}
