/**
 * @module Vitest globalSetup of the `edge` project: the scripted model stand-in (standins/models)
 * on 127.0.0.1 for the model proxy's tests, with scripts of its own. Provides `models`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'
import { startModelStandIn } from '../../standins/models'

declare module 'vitest' {
  export interface ProvidedContext {
    models: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
  }
}

export default async function setup(project: TestProject) {
  const key = 'sk-upstream-key-held-by-the-edge'
  const standIn = await startModelStandIn({
    keys: [key],
    scripts: [
      { name: 'slow', match: { contains: 'slowly' }, reply: { text: 'one two three four five six seven eight', chunkSize: 4, delayMs: 150, usage: { input: 1000, output: 2000 } } },
      { name: 'long', match: { contains: 'at length' }, reply: { text: 'word '.repeat(400), chunkSize: 5, delayMs: 20, usage: { input: 100, output: 400 } } },
      { name: 'tool', match: { contains: 'read the readme', tools: true }, reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'README.md' } }], usage: { input: 300, output: 20 } } },
      { name: 'limited', match: { contains: 'rate limit me' }, reply: { error: { status: 429, message: 'Rate limit reached for requests', retryAfter: 7 } } },
      { name: 'hello', match: { contains: 'hello' }, reply: { text: 'Hello from the stand-in.', usage: { input: 12, output: 6 } } },
    ],
  })
  // Tests in workerd read the stand-in's request log (aborted or not, which key came) from here.
  const control = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(standIn.requests.map((r) => ({ seq: r.seq, api: r.api, aborted: r.aborted, done: r.done, chunksSent: r.chunksSent, authorization: r.headers['authorization'] ?? r.headers['x-api-key'] ?? null, content: JSON.stringify(r.body).slice(0, 200) }))))
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  project.provide('models', { url: standIn.url, openaiBaseUrl: standIn.openaiBaseUrl, anthropicBaseUrl: standIn.anthropicBaseUrl, key, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}` })
  return async () => {
    await new Promise<void>((resolve) => (control.closeAllConnections(), control.close(() => resolve())))
    await standIn.close()
  }
}
