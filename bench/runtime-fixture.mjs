/**
 * @module Helpers shared by the runtime benchmarks: a fixture project's files, and timing native
 * `node --test` on a copy of it (spawn to exit, as a user runs it).
 */
import { spawn } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { makeTempDir, repoRoot } from './lib.mjs'

export const projectsDir = join(repoRoot, 'worker', 'runtime', '__fixtures__', 'projects')

/** Every file of fixture `name` as `{ path, text }`, paths relative to the project. */
export function readProject(name) {
  const root = join(projectsDir, name)
  const out = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) walk(path)
      else out.push({ path: relative(root, path), text: readFileSync(path, 'utf8') })
    }
  }
  walk(root)
  return out
}

/** A temporary copy of fixture `name` (native runs must not touch the fixture). */
export function copyProject(name) {
  const dir = makeTempDir('coder-bench-fixture-')
  cpSync(join(projectsDir, name), dir, { recursive: true })
  return dir
}

/** Runs `node args` in `cwd` to its exit; resolves to the milliseconds it took and its output. */
export function timeNode(args, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, out }))
  })
}
