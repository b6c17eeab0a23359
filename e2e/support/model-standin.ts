/**
 * @module Vitest globalSetup of the `edge` and `browser` projects: the scripted model stand-in
 * (standins/models) on 127.0.0.1 with scripts of its own, for the model proxy's tests and the tab's
 * model providers (worker/models). Provides `models` (the proxy's upstream), and for the
 * providers' contract suite `contractModels` (a key required, like a hosted API) and `localModels`
 * (no key needed, like Ollama): stand-ins of their own, so one suite's log is not another's.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'
import { startModelStandIn, type ModelStandIn, type Script } from '../../standins/models'

declare module 'vitest' {
  export interface ProvidedContext {
    models: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
    contractModels: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
    localModels: { url: string; openaiBaseUrl: string; control: string }
  }
}

/** What the providers' contract suite (worker/models/provider.case.ts) expects; its prompts all start with "contract:". */
const contractScripts: Script[] = [
  { name: 'contract missing model', match: { model: 'contract-missing-model' }, reply: { error: { status: 404, message: 'The model `contract-missing-model` does not exist or you do not have access to it.' } } },
  { name: 'contract slow', match: { contains: 'contract: stream slowly' }, reply: { text: 'Streamed in pieces, a few letters at a time, until the end.', chunkSize: 6, delayMs: 50, usage: { input: 123, output: 37 } } },
  { name: 'contract tool', match: { contains: 'contract: use a tool', tools: true, turn: 0 }, reply: { text: 'Reading it.', toolCalls: [{ name: 'read_file', arguments: { path: 'README.md', lines: [1, 20] } }], chunkSize: 5, usage: { input: 200, output: 25 } } },
  { name: 'contract tool result', match: { contains: 'contract: use a tool', tools: true, turn: 1 }, reply: { text: 'The README says hello.', usage: { input: 260, output: 6 } } },
  { name: 'contract limited', match: { contains: 'contract: rate limit me' }, reply: { error: { status: 429, message: 'Rate limit reached for requests', retryAfter: 7 } } },
]

/** The request log as tests in workerd and Chromium read it (they cannot reach the stand-in's memory). */
function logOf(standIn: ModelStandIn) {
  return standIn.requests.map((r) => ({
    seq: r.seq,
    api: r.api,
    path: r.path,
    aborted: r.aborted,
    done: r.done,
    status: r.status,
    chunksSent: r.chunksSent,
    authorization: r.headers['authorization'] ?? r.headers['x-api-key'] ?? null,
    headers: r.headers,
    body: r.body,
    content: JSON.stringify(r.body).slice(0, 200),
  }))
}

export default async function setup(project: TestProject) {
  const key = 'sk-upstream-key-held-by-the-edge'
  const scripts: Script[] = [
    { name: 'slow', match: { contains: 'slowly' }, reply: { text: 'one two three four five six seven eight', chunkSize: 4, delayMs: 150, usage: { input: 1000, output: 2000 } } },
    { name: 'long', match: { contains: 'at length' }, reply: { text: 'word '.repeat(400), chunkSize: 5, delayMs: 20, usage: { input: 100, output: 400 } } },
    { name: 'tool', match: { contains: 'read the readme', tools: true }, reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'README.md' } }], usage: { input: 300, output: 20 } } },
    { name: 'limited', match: { contains: 'rate limit me' }, reply: { error: { status: 429, message: 'Rate limit reached for requests', retryAfter: 7 } } },
    { name: 'hello', match: { contains: 'hello' }, reply: { text: 'Hello from the stand-in.', usage: { input: 12, output: 6 } } },
  ]
  const contractKey = 'sk-contract-key'
  const [standIn, contract, local] = await Promise.all([
    startModelStandIn({ keys: [key], scripts }),
    startModelStandIn({ keys: [contractKey], scripts: contractScripts }),
    startModelStandIn({ open: true, scripts: contractScripts }),
  ])
  // Tests read the stand-ins' request logs (aborted or not, which key came, the body) from here: `/`, `/contract` and `/local`.
  const control = createServer((req, res) => {
    const path = req.url ?? '/'
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
    res.end(JSON.stringify(logOf(path.startsWith('/local') ? local : path.startsWith('/contract') ? contract : standIn)))
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`
  project.provide('models', { url: standIn.url, openaiBaseUrl: standIn.openaiBaseUrl, anthropicBaseUrl: standIn.anthropicBaseUrl, key, control: controlUrl })
  project.provide('contractModels', { url: contract.url, openaiBaseUrl: contract.openaiBaseUrl, anthropicBaseUrl: contract.anthropicBaseUrl, key: contractKey, control: `${controlUrl}/contract` })
  project.provide('localModels', { url: local.url, openaiBaseUrl: local.openaiBaseUrl, control: `${controlUrl}/local` })
  return async () => {
    await new Promise<void>((resolve) => (control.closeAllConnections(), control.close(() => resolve())))
    await Promise.all([standIn.close(), contract.close(), local.close()])
  }
}
