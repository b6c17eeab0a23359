/**
 * @module The IDE on a Vite dev server (same config as `npm start`) on a free port of 127.0.0.1,
 * run as its own process: vite.config.ts loads the Workers test plugin, which does not load
 * inside a test's module runner.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Starts the IDE; resolves to its URL once it answers, and a close function. */
export async function startAppServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const port = await freePort()
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const url = `http://127.0.0.1:${port}`
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Vite dev server exited (${child.exitCode}): ${stderr}`)
    try {
      if ((await fetch(url)).ok) return { url, close }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  await close()
  throw new Error(`the Vite dev server did not answer at ${url} within 60 s: ${stderr}`)
}
