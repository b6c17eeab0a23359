/**
 * @module proxy-ttft: time to the first token of a streamed chat completion through the local
 * edge (`wrangler dev --local`: session, price lookup, credit hold, upstream call, streamed
 * relay, settling) vs straight to the scripted model stand-in, in the same run. Each run is the
 * median of 15 requests of each kind, alternating. The target: the edge adds at most 10 ms
 * (median). The stand-in answers at once, in 10 chunks 20 ms apart.
 *
 * What the edge adds is split in two, measured in the same rounds: a plain relay of the same
 * request through the same worker (POST /v1/bench/passthrough, open only with PROXY_BENCH=on: no
 * session, no hold, no metering) costs what any request pays to wrangler dev's local proxy in front
 * of workerd and to workerd's outbound fetch, neither of which a deployed worker has; the
 * metered call minus that relay is the edge's own work. A bare 404 through wrangler dev is printed
 * for reference.
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
        PROXY_BENCH: 'on',
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
    // Warm all paths: the worker, its Durable Object, the stand-in.
    for (let i = 0; i < 3; i++) {
      await ttft(`${edge.url}/v1/chat/completions`, { cookie, origin: edge.url })
      await ttft(`${edge.url}/v1/bench/passthrough`, { origin: edge.url })
      await ttft(`${standIn.openaiBaseUrl}/chat/completions`, { authorization: 'Bearer sk-bench' })
    }
  },
  async runOnce() {
    const viaEdge = []
    const relayed = []
    const direct = []
    for (let i = 0; i < REQUESTS; i++) {
      viaEdge.push(await ttft(`${edge.url}/v1/chat/completions`, { cookie, origin: edge.url }))
      relayed.push(await ttft(`${edge.url}/v1/bench/passthrough`, { origin: edge.url }))
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
    const relay = median(relayed)
    const overhead = median(bare)
    const added = value - anchor
    console.error(
      `  proxy-ttft: first token ${value.toFixed(1)} ms through the edge vs ${anchor.toFixed(1)} ms straight: the edge adds ${added.toFixed(1)} ms (target ≤ 10 ms: ${added <= 10 ? 'met' : 'not met'});` +
        ` a plain relay through the same worker takes ${relay.toFixed(1)} ms, so ${(relay - anchor).toFixed(1)} ms is wrangler dev's local proxy and workerd's outbound fetch` +
        ` and ${(value - relay).toFixed(1)} ms the edge's own work (session, hold, metering, settling); a bare 404 through wrangler dev takes ${overhead.toFixed(1)} ms`,
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
