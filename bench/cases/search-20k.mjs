/**
 * @module search-20k: search across a 20,000-file workspace for a string found in one file, in the
 * page (workspace written by the page and reopened, so contents come from IndexedDB; untimed) vs
 * native `grep -rn` over the status-20k work tree on disk (200 × 100 files of ~90 bytes).
 * Target: ≤ 1 s.
 */
import { spawn } from 'node:child_process'
import { ensureStatusRepo } from './status-20k.mjs'

function timeGrep(dir) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn('grep', ['-rn', '--exclude-dir=.git', 'value_123_45 ', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - t0
      if (code !== 0 || out.trim().split('\n').length !== 1) reject(new Error(`grep found ${JSON.stringify(out)} (exit ${code})`))
      else resolve(ms)
    })
  })
}

export default {
  name: 'search-20k',
  unit: 'ms',
  anchor: 'grep -rn',
  timeoutMs: 30 * 60_000,
  async warmup(ctx) {
    // Builds (or reuses) the 20,000-file tree on disk, shared with status-20k; one grep warms the page cache.
    await timeGrep(await ensureStatusRepo(ctx))
  },
  async runOnce(ctx, { subjectFirst }) {
    const dir = await ensureStatusRepo(ctx)
    if (subjectFirst) {
      const value = await ctx.runInBench('search20k', { timeoutMs: 120_000 })
      return { value, anchor: await timeGrep(dir) }
    }
    const anchor = await timeGrep(dir)
    return { value: await ctx.runInBench('search20k', { timeoutMs: 120_000 }), anchor }
  },
}
