import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as git from 'isomorphic-git'
import http from 'isomorphic-git/http/node'
import { afterAll, describe, expect, inject, it } from 'vitest'

const base = inject('gitServerUrl')
const work = mkdtempSync(join(tmpdir(), 'coder-git-spec-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Spec',
  GIT_AUTHOR_EMAIL: 'spec@coder.test',
  GIT_COMMITTER_NAME: 'Spec',
  GIT_COMMITTER_EMAIL: 'spec@coder.test',
}
const gitCli = (args: string[], cwd = work) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe('git server', () => {
  it('serves a clone to native git, with modes, symlinks and every branch', () => {
    const dir = join(work, 'native-clone')
    gitCli(['clone', '--quiet', `${base}/small.git`, dir])
    expect(gitCli(['rev-list', '--count', 'HEAD'], dir).trim()).toBe('5')
    expect(gitCli(['branch', '-r'], dir)).toContain('origin/feature')
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# small/)
    expect(statSync(join(dir, 'scripts/build.sh')).mode & 0o111).not.toBe(0)
    expect(readlinkSync(join(dir, 'link-to-readme'))).toBe('README.md')
  })

  it('accepts a native git push', () => {
    const dir = join(work, 'native-push')
    gitCli(['clone', '--quiet', `${base}/small.git`, dir])
    writeFileSync(join(dir, 'pushed.txt'), 'pushed through http-backend\n')
    gitCli(['add', 'pushed.txt'], dir)
    gitCli(['commit', '--quiet', '-m', 'Push me'], dir)
    const head = gitCli(['rev-parse', 'HEAD'], dir).trim()
    const branch = `spec-${process.pid}-${Date.now()}`
    gitCli(['push', '--quiet', `${base}/empty.git`, `HEAD:refs/heads/${branch}`], dir)
    expect(gitCli(['ls-remote', `${base}/empty.git`, branch])).toContain(head)
  })

  it('serves isomorphic-git over http', async () => {
    const dir = join(work, 'isogit-clone')
    await git.clone({ fs, http, dir, url: `${base}/small.git`, singleBranch: true })
    const log = await git.log({ fs, dir })
    expect(log).toHaveLength(5)
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toContain('"version": "1.1.0"')
  })

  it('accepts an isomorphic-git push', async () => {
    const dir = join(work, 'isogit-push')
    await git.clone({ fs, http, dir, url: `${base}/small.git`, singleBranch: true })
    const ref = `isogit-${process.pid}-${Date.now()}`
    writeFileSync(join(dir, 'iso.txt'), 'pushed by isomorphic-git\n')
    await git.add({ fs, dir, filepath: 'iso.txt' })
    const oid = await git.commit({ fs, dir, message: 'Iso push', author: { name: 'Spec', email: 'spec@coder.test' } })
    const result = await git.push({ fs, http, dir, url: `${base}/empty.git`, ref: 'main', remoteRef: `refs/heads/${ref}` })
    expect(result.ok).toBe(true)
    expect(gitCli(['ls-remote', `${base}/empty.git`, ref])).toContain(oid)
  })

  it('adds CORS and CORP headers to an info/refs GET', async () => {
    const res = await fetch(`${base}/small.git/info/refs?service=git-upload-pack`, {
      headers: { Origin: 'http://localhost:5173' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-expose-headers')).toBe('*')
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    expect(await res.text()).toContain('refs/heads/main')
  })

  it('answers a CORS preflight with 204', async () => {
    const res = await fetch(`${base}/small.git/git-upload-pack`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, git-protocol, authorization',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? ''
    for (const h of ['content-type', 'git-protocol', 'authorization', 'user-agent']) expect(allowed).toContain(h)
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
  })

  it('accepts a gzip-encoded upload-pack request', async () => {
    const head = gitCli(['ls-remote', `${base}/small.git`, 'refs/heads/main']).split('\t')[0]
    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line
    const body = pkt(`want ${head} ofs-delta\n`) + '0000' + pkt('done\n')
    const res = await fetch(`${base}/small.git/git-upload-pack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
      body: gzipSync(body),
    })
    expect(res.status).toBe(200)
    const bytes = Buffer.from(await res.arrayBuffer())
    expect(bytes.subarray(0, 8).toString()).toBe('0008NAK\n')
    expect(bytes.includes(Buffer.from('PACK'))).toBe(true)
  })

  it('answers 404 for a repository that does not exist', async () => {
    const res = await fetch(`${base}/missing.git/info/refs?service=git-upload-pack`)
    expect(res.status).toBe(404)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })
})
