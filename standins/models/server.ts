/**
 * The model stand-in: a real HTTP server on 127.0.0.1 speaking OpenAI's Chat Completions and
 * Anthropic's Messages wire formats, for tests and `npm start`'s local mode (LLM providers cannot be
 * reached from here). Replies come from scripts (see `script.ts`): text in chunks, tool calls, usage,
 * errors (at once or mid-stream) and slow streams. It serves, on one origin:
 * - OpenAI at `/v1/chat/completions` and `/v1/models` (`new OpenAI({ baseURL: openaiBaseUrl })`);
 * - Anthropic at `/v1/messages` and `/v1/models` (`new Anthropic({ baseURL: anthropicBaseUrl })`);
 * - a page at `/` listing the recent requests.
 * Like the real APIs it answers CORS, so a page on another origin can call it straight from the tab.
 *
 * CLI: `node standins/models/server.ts [--port 8789] [--scripts dir] [--key k]… [--open]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { authorizeAnthropic, handleMessages, listAnthropicModels, sendAnthropicError } from './anthropic.ts'
import type { Exchange, ModelRequest } from './exchange.ts'
import { authorizeOpenAI, handleChatCompletion, listOpenAIModels, sendOpenAIError } from './openai.ts'
import { loadScriptDir, validateScript, type Script } from './script.ts'
import { runAsScript, stopOnSignals } from '../cli.ts'

/** What to start the stand-in with. */
export interface ModelStandInOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number
  /** Scripts tried first, in order. */
  scripts?: Script[]
  /** A folder of `*.json` scripts, tried after `scripts`, by file name. */
  scriptDir?: string
  /** Accepted API keys (both APIs); default any non-empty key. */
  keys?: string[]
  /** Also answer requests that carry no key, as a local server (Ollama, llama.cpp) does; a wrong key is still refused. */
  open?: boolean
  /** The clock (ms since epoch), for `created` fields and the log; default `Date.now`. */
  now?: () => number
}

/** A running model stand-in. */
export interface ModelStandIn {
  /** Root, e.g. `http://127.0.0.1:8789`; the page is here. */
  url: string
  /** For the OpenAI SDK's `baseURL` (`${url}/v1`). */
  openaiBaseUrl: string
  /** For the Anthropic SDK's `baseURL` (`${url}`; the SDK adds `/v1/messages`). */
  anthropicBaseUrl: string
  /** Every request received, oldest first; entries update while their reply is under way. */
  requests: ModelRequest[]
  /** The scripts in use (without the default fallback); may be replaced or pushed to while running. */
  scripts: Script[]
  /** Resolves once every request received so far is done (complete, failed or aborted). */
  idle(): Promise<void>
  /** Stops the server, dropping open connections (running streams end as aborted). */
  close(): Promise<void>
}

/**
 * CORS as OpenAI's and Anthropic's APIs answer it: any origin, the headers their clients send
 * (and Coder's own), and the error headers a client needs to read (retry-after).
 */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': [
    'authorization',
    'content-type',
    'accept',
    'x-api-key',
    'anthropic-version',
    'anthropic-beta',
    'anthropic-dangerous-direct-browser-access',
    'coder-project',
    'coder-run',
    'coder-run-budget',
  ].join(', '),
  'Access-Control-Expose-Headers': 'retry-after, retry-after-ms, request-id, x-request-id',
}

/** The models `GET /v1/models` lists besides those scripts name. */
const BASE_MODELS = ['standin-gpt', 'standin-claude']

/** Starts the stand-in on 127.0.0.1; resolves once it accepts requests. Throws on a malformed script. */
export async function startModelStandIn(options: ModelStandInOptions = {}): Promise<ModelStandIn> {
  const now = options.now ?? Date.now
  const scripts: Script[] = [
    ...(options.scripts ?? []).map((s, i) => validateScript(s, `scripts[${i}]`)),
    ...(options.scriptDir ? loadScriptDir(options.scriptDir) : []),
  ]
  const keys = options.keys
  const accept = (key: string) => (key === '' ? options.open === true : keys ? keys.includes(key) : true)
  const requests: ModelRequest[] = []
  const inFlight = new Set<Promise<void>>()
  let url = ''

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value)
    // Preflights and the page are not model requests: they stay out of the log.
    if (req.method === 'OPTIONS') return void res.writeHead(204, { 'Access-Control-Max-Age': '600' }).end()
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/') return sendPage(res, requests, url)
    const record: ModelRequest = {
      seq: requests.length + 1,
      api: null,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
      body: null,
      script: null,
      status: 0,
      stream: false,
      chunksSent: 0,
      aborted: false,
      done: false,
      startedAt: now(),
      finishedAt: null,
    }
    requests.push(record)
    const controller = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) {
        record.aborted = true
        controller.abort()
      }
    })
    const ex: Exchange = { req, res, record, signal: controller.signal, nowSeconds: () => Math.floor(now() / 1000) }
    const work = route(ex, state())
      .catch((error: unknown) => {
        console.error('[model-standin]', req.method, req.url, error)
        if (!res.headersSent) sendOpenAIError(ex, 500, `Model stand-in: ${error instanceof Error ? error.message : String(error)}`)
        else res.destroy()
      })
      .finally(() => {
        record.done = true
        record.finishedAt = now()
        inFlight.delete(work)
      })
    inFlight.add(work)
  })
  const standIn: ModelStandIn = {
    url: '',
    openaiBaseUrl: '',
    anthropicBaseUrl: '',
    requests,
    scripts,
    idle: async () => {
      while (inFlight.size) await Promise.all(inFlight)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  const state = (): State => ({ scripts: standIn.scripts, accept })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  standIn.url = url
  standIn.openaiBaseUrl = `${url}/v1`
  standIn.anthropicBaseUrl = url
  return standIn
}

interface State {
  scripts: Script[]
  accept: (key: string) => boolean
}

async function route(ex: Exchange, state: State): Promise<void> {
  const { req, record } = ex
  const path = record.path.replace(/\/+$/, '') || '/'
  // Anthropic's SDK always sends `anthropic-version`; OpenAI's never does. That decides `/v1/models`.
  const anthropic = path === '/v1/messages' || (path.startsWith('/v1/') && (req.headers['anthropic-version'] !== undefined || req.headers['x-api-key'] !== undefined))
  if (!path.startsWith('/v1/')) {
    ex.res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found (model stand-in)\n')
    record.status = 404
    return
  }
  record.api = anthropic ? 'anthropic' : 'openai'
  if (req.method === 'POST') record.body = await readJson(req)
  if (anthropic) {
    if (!authorizeAnthropic(ex, state.accept)) return
    if (path === '/v1/models' && req.method === 'GET') return listAnthropicModels(ex, modelNames(state.scripts))
    if (path === '/v1/messages' && req.method === 'POST') return handleMessages(ex, state.scripts)
    return sendAnthropicError(ex, 404, `Not found: ${req.method} ${path}`)
  }
  if (!authorizeOpenAI(ex, state.accept)) return
  if (path === '/v1/models' && req.method === 'GET') return listOpenAIModels(ex, modelNames(state.scripts))
  if (path === '/v1/chat/completions' && req.method === 'POST') return handleChatCompletion(ex, state.scripts)
  return sendOpenAIError(ex, 404, `Invalid URL (${req.method} ${path})`, null, null)
}

function modelNames(scripts: readonly Script[]): string[] {
  return [...new Set([...BASE_MODELS, ...scripts.flatMap((s) => (s.match?.model ? [s.match.model] : []))])]
}

/** The body as JSON; `undefined` when it is not JSON (the handlers answer 400 for that). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

function sendPage(res: ServerResponse, requests: readonly ModelRequest[], base: string): void {
  const rows = requests
    .slice(-50)
    .reverse()
    .map((r) => {
      const model = r.body && typeof r.body === 'object' && 'model' in r.body ? String(r.body.model) : ''
      const outcome = r.aborted ? 'aborted' : r.done ? String(r.status) : 'running'
      return `<tr><td>${r.seq}</td><td>${new Date(r.startedAt).toISOString()}</td><td>${escape(r.api ?? '')}</td><td>${escape(`${r.method} ${r.path}`)}</td><td>${escape(model)}</td><td>${escape(r.script ?? '')}</td><td>${r.stream ? `stream, ${r.chunksSent} chunks` : ''}</td><td>${outcome}</td></tr>`
    })
    .join('\n')
  const html = `<!doctype html><meta charset="utf-8"><title>Model stand-in</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}</style>
<h1>Model stand-in (local, for development and tests)</h1>
<p>OpenAI base URL: <code>${base}/v1</code> · Anthropic base URL: <code>${base}</code></p>
<h2>Recent requests</h2>
${rows ? `<table><tr><th>#</th><th>at</th><th>API</th><th>request</th><th>model</th><th>script</th><th>stream</th><th>outcome</th></tr>\n${rows}</table>` : '<p>None yet.</p>'}`
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8789' },
      scripts: { type: 'string', default: fileURLToPath(new URL('./scripts', import.meta.url)) },
      key: { type: 'string', multiple: true },
      open: { type: 'boolean', default: false },
    },
  })
  const standIn = await startModelStandIn({ port: Number(values.port), scriptDir: values.scripts, keys: values.key, open: values.open })
  console.log(`Model stand-in (local, for development and tests) on ${standIn.url}`)
  console.log(`  OpenAI base URL:    ${standIn.openaiBaseUrl}`)
  console.log(`  Anthropic base URL: ${standIn.anthropicBaseUrl}`)
  console.log(`  keys: ${values.key?.length ? values.key.join(', ') : 'any non-empty key'}${values.open ? ', or none' : ''}`)
  console.log(`  ${standIn.scripts.length} scripts from ${values.scripts} (then the default reply)`)
  stopOnSignals(() => standIn.close())
}

runAsScript(import.meta.url, main)
