/**
 * @module The two import cases: cloning `large.git` into the IDE's workspace (in the page) against
 * native `git clone` of the same URL (in Node), full or depth 1.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { timeGit } from './lib.mjs'

/**
 * A case that times `window.coderBench.importRepo(url, options)` (clone + checkout into the
 * IndexedDB namespace, fresh profile per run) against `git clone [--depth 1 --single-branch --no-tags]`.
 */
export function createImportCase({ name, depth }) {
  const nativeArgs = depth ? ['--depth', String(depth), '--single-branch', '--no-tags'] : []
  const options = depth ? { depth } : {}

  async function subject(ctx, url) {
    const { page, close } = await ctx.openBench()
    try {
      await page.evaluate(() => window.coderBench.reset())
      return await page.evaluate(([u, o]) => window.coderBench.importRepo(u, o), [url, options])
    } finally {
      await close()
    }
  }

  async function anchor(ctx, url) {
    const dir = join(ctx.makeTempDir(), 'clone')
    try {
      return await timeGit(['clone', '--quiet', ...nativeArgs, url, dir])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  return {
    name,
    unit: 'ms',
    anchor: depth ? `git clone --depth ${depth}` : 'git clone',
    timeoutMs: 15 * 60_000,
    async warmup(ctx) {
      // Pulls the fixture into the page cache and starts the app, so run 1 is not an outlier.
      await anchor(ctx, await ctx.largeRepoUrl())
    },
    async runOnce(ctx, { subjectFirst }) {
      const url = await ctx.largeRepoUrl()
      if (subjectFirst) {
        const value = await subject(ctx, url)
        return { value, anchor: await anchor(ctx, url) }
      }
      const a = await anchor(ctx, url)
      return { value: await subject(ctx, url), anchor: a }
    },
  }
}
