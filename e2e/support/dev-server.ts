/**
 * @module Vite's dev server for specs that drive `/bench.html` (the bench page is not part of the
 * production build). Runs in a child process: vite.config.ts loads plugins that do not load
 * inside a test's module runner.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** Starts `vite` on 127.0.0.1; resolves to its URL and a close function once it listens. */
export function startDevServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--clearScreen', 'false'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', NODE_ENV: 'development' },
  })
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      void close()
      reject(new Error(`vite did not start within 60 s:\n${output}`))
    }, 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        child.stdout.off('data', onData)
        resolve({ url: m[1]!, close })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`vite exited (${code}):\n${output}`))
    })
  })
}
