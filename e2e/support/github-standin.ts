/**
 * @module Vitest globalSetup of the `edge` project: the GitHub stand-in (standins/github) on
 * 127.0.0.1, seeded for the edge's tests, plus a small control endpoint so tests running in
 * workerd can turn its knobs (the rate limit). Provides `github` to the tests.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'
import { startGitHubStandIn } from '../../standins/github'

declare module 'vitest' {
  export interface ProvidedContext {
    github: { url: string; apiUrl: string; control: string; token: string }
    /** A git host that misbehaves on purpose, for the git proxy's limits (see `startAwkwardGitHost`). */
    awkwardGitHost: string
  }
}

/**
 * A smart-HTTP git host that misbehaves on purpose: `/hang/r.git/info/refs` never answers,
 * `/big/r.git/info/refs` declares a 5 MB advertisement, `/stream/r.git/info/refs` sends a first
 * piece and the rest only after `/release`.
 */
async function startAwkwardGitHost() {
  let release: (() => void) | null = null
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname
    const advert = { 'content-type': 'application/x-git-upload-pack-advertisement' }
    if (path === '/hang/r.git/info/refs') return
    if (path === '/big/r.git/info/refs') {
      res.writeHead(200, { ...advert, 'content-length': String(5_000_000) })
      return void res.end(Buffer.alloc(5_000_000, 'x'))
    }
    if (path === '/stream/r.git/info/refs') {
      res.writeHead(200, advert)
      res.write('first piece\n')
      release = () => res.end('second piece\n')
      return
    }
    if (path === '/release') {
      release?.()
      release = null
      return void res.writeHead(204).end()
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) }
}

/** The origin the edge's tests send requests to (edge/test/browser.ts); its OAuth callback is registered with the stand-in. */
const APP_ORIGIN = 'http://coder.test'

export default async function setup(project: TestProject) {
  const token = 'ghp_edge_tests_ada_0000000000000000000000'
  const github = await startGitHubStandIn({
    users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }, { login: 'eve', name: 'Eve' }],
    repos: [
      { owner: 'ada', name: 'secret', private: true, files: { 'README.md': '# secret\n' }, branches: { 'coder/fix': { 'fix.txt': 'fixed\n' } } },
      { owner: 'ada', name: 'public', files: { 'README.md': '# public\n' } },
    ],
    tokens: [{ token, login: 'ada' }],
    oauthApps: [{ clientId: 'edge-test-client', clientSecret: 'edge-test-secret', name: 'Coder (edge tests)', redirectUri: `${APP_ORIGIN}/api/auth/github/callback` }],
    autoApprove: 'ada',
  })
  const control = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control')
    if (url.pathname === '/rate-limit/exhaust') github.state.exhaustRateLimit(Number(url.searchParams.get('seconds') ?? 3600))
    else if (url.pathname === '/rate-limit/restore') github.state.restoreRateLimit()
    else if (url.pathname === '/auto-approve') github.state.autoApprove = url.searchParams.get('login')
    else return void res.writeHead(404).end()
    res.writeHead(204).end()
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const awkward = await startAwkwardGitHost()
  project.provide('awkwardGitHost', awkward.url)
  project.provide('github', { url: github.url, apiUrl: github.apiUrl, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`, token })
  return async () => {
    await new Promise<void>((resolve) => control.close(() => resolve()))
    await awkward.close()
    await github.close()
  }
}
