/**
 * @module shell-size: gzipped kB of JS and CSS the browser loads from the built IDE, cold (no HTTP
 * cache, no service worker), until an editor shows a file of an opened project; target ≤ 250 kB.
 * Anchor: all the build's JS and CSS gzipped, so the ratio is the share loaded up front.
 *
 * Counted from the app server's log, not Playwright's network events, which miss SharedWorker
 * traffic: every request a script, style, worker or shared worker made, one per file, each file
 * gzipped with node:zlib at its default level. Service workers are blocked for the count: once
 * one controls the page, the page's loads reach the server as the worker's own fetches.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { loadToInteractive, openColdProfile, projectProfile } from '../app-case.mjs'

const CODE = /\.(m?js|css)$/
const PAGE_LOADS = new Set(['script', 'style', 'worker', 'sharedworker'])

/** Gzipped size of the files, in kB (1,000 bytes, as Vite reports). */
const gzippedKb = (files) => files.reduce((sum, file) => sum + gzipSync(readFileSync(file)).length, 0) / 1000

export default {
  name: 'shell-size',
  unit: 'kB',
  anchor: 'all JS+CSS of the build',
  warmup: (ctx) => projectProfile(ctx),
  async runOnce(ctx) {
    const app = await ctx.builtApp()
    const { context, page, url } = await openColdProfile(ctx, { serviceWorkers: 'block' })
    try {
      const from = app.requests.length
      await loadToInteractive(page, url)
      const loaded = new Set(app.requests.slice(from).filter((r) => r.file && CODE.test(r.file) && PAGE_LOADS.has(r.dest)).map((r) => r.file))
      const all = readdirSync(join(app.root, 'assets')).filter((f) => CODE.test(f)).map((f) => join(app.root, 'assets', f))
      if (process.env.BENCH_VERBOSE) for (const f of loaded) console.log('   ', (gzipSync(readFileSync(f)).length / 1000).toFixed(1), 'kB', f.split('/').pop())
      return { value: gzippedKb([...loaded]), anchor: gzippedKb(all) }
    } finally {
      await context.close()
    }
  },
}
