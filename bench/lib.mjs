/**
 * @module The benchmark harness: the context every case runs in (Chromium, the app served by Vite
 * or built, git servers on the fixtures, native-git timing helpers) and the run/report loop.
 *
 * A case is a module in bench/cases/<name>.mjs whose default export is
 *   { name, unit, anchor: 'label', runs?: number, timeoutMs?: number,
 *     warmup?(ctx), runOnce(ctx, { run, subjectFirst }) → Promise<{ value: number, anchor: number }>,
 *     teardown?(ctx) }
 * `runOnce` measures the subject and the anchor once each, in the order `subjectFirst` says
 * (the harness alternates it from run to run).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { chromiumArgs, ensureChromium } from '../scripts/find-browser.mjs'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const benchDir = join(repoRoot, 'bench')
export const cacheDir = join(benchDir, '.cache')
export const resultsDir = join(benchDir, 'results')

/** Environment for native git: no system or user config, so timings do not depend on the machine's setup. */
export const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@coder.test',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@coder.test',
}

/** Median of a non-empty list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Runs `git args` (in `cwd`), rejecting with its stderr on a non-zero exit. Resolves to stdout. */
export function git(args, { cwd } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn('git', args, { cwd, env: gitEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    const err = []
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    child.on('error', fail)
    child.on('close', (code) =>
      code === 0
        ? ok(Buffer.concat(out).toString('utf8'))
        : fail(new Error(`git ${args.join(' ')} exited ${code}: ${Buffer.concat(err)}`)),
    )
  })
}

/** Wall-clock milliseconds `git args` takes, spawn to exit. */
export async function timeGit(args, options) {
  const t0 = performance.now()
  await git(args, options)
  return performance.now() - t0
}

/** A new empty temp directory, removed when the harness exits. */
export function makeTempDir(prefix = 'coder-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}
const tempDirs = []

/** Loads a TypeScript module of the project (e.g. the e2e fixtures) through Vite's module runner. */
export async function importTs(relativePath) {
  const { runnerImport } = await import('vite')
  const { module } = await runnerImport(join(repoRoot, relativePath))
  return module
}

/** Rejects with a labelled error if `promise` does not settle within `ms`. */
export function withTimeout(promise, ms, label) {
  let timer
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${label}: timed out after ${Math.round(ms / 1000)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Creates the context shared by all cases. Everything is started on first use and stopped by
 * `close()`:
 * - `browser()`: one headless Chromium (shared, for memory-backed contexts);
 * - `appUrl()`: the IDE served by a Vite dev server from ./vite.config.ts on 127.0.0.1;
 * - `builtApp()`: the IDE's production build (`vite build` into a temp dir) served as the edge
 *   serves it (e2e/support/app-server.ts); resolves to `{ url, root, requests }`, `requests`
 *   being every request it has answered, with its Sec-Fetch-Dest;
 * - `largeRepoUrl()`: `large.git` (bench/.cache fixture) behind a real `git http-backend`;
 * - `smallRepoUrl()`: the e2e fixture `small.git` behind another one;
 * - `launchProfile(userDataDir, options)`: Chromium on that profile directory (a persistent
 *   Playwright context; `options` as for `chromium.launchPersistentContext`);
 * - `openBench()`: a fresh page on `/bench.html` once `window.coderBench` exists;
 * - `runInBench(method, options)`: `coderBench.reset()` then `coderBench[method]()` in a fresh
 *   bench page, resolving to what the method returns.
 * Storage is disk-backed by default (a fresh user-data-dir per page, as a user's IndexedDB is);
 * BENCH_STORAGE=memory uses incognito contexts of the shared browser instead, which is faster
 * and less realistic. `options.appUrl` serves the app from elsewhere (e.g. a production build)
 * instead of starting Vite.
 */
export function createContext(options = {}) {
  const closers = []
  const once = (start) => {
    let p
    return () => (p ??= start())
  }
  const executablePath = once(async () => ensureChromium())

  const browser = once(async () => {
    const b = await chromium.launch({ executablePath: await executablePath(), args: [...chromiumArgs], headless: true })
    closers.push(() => b.close())
    return b
  })

  const appUrl = once(async () => {
    if (options.appUrl) return options.appUrl.replace(/\/$/, '')
    const { createServer } = await import('vite')
    const server = await createServer({
      configFile: join(repoRoot, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    })
    await server.listen()
    closers.push(() => server.close())
    const address = server.httpServer?.address()
    if (!address || typeof address !== 'object') throw new Error('Vite dev server did not start')
    return `http://127.0.0.1:${address.port}`
  })

  const gitServer = once(async () => {
    const fixtures = await importTs('e2e/support/fixtures.ts')
    const { startGitServer } = await importTs('standins/git-server.ts')
    const root = makeTempDir('coder-bench-git-')
    await fixtures.createLargeRepo(root)
    const server = await startGitServer({ root })
    closers.push(() => server.close())
    return server
  })

  const builtApp = once(async () => {
    const { buildApp } = await importTs('e2e/support/build-app.ts')
    const { startAppServer } = await importTs('e2e/support/app-server.ts')
    const root = join(makeTempDir('coder-bench-build-'), 'dist')
    await buildApp({ outDir: root })
    const server = await startAppServer({ root })
    closers.push(() => server.close())
    return { url: server.url, root, requests: server.requests }
  })

  // The IDE and the bench page as production builds (bundled workers), for timing runtime code.
  const builtBench = once(async () => {
    const { buildApp } = await importTs('e2e/support/build-app.ts')
    const { startAppServer } = await importTs('e2e/support/app-server.ts')
    const root = join(makeTempDir('coder-bench-build-'), 'dist')
    await buildApp({ outDir: root, bench: true })
    const server = await startAppServer({ root })
    closers.push(() => server.close())
    return { url: server.url, root }
  })

  const smallGitServer = once(async () => {
    const { createSmallRepos } = await importTs('e2e/support/fixtures.ts')
    const { startGitServer } = await importTs('standins/git-server.ts')
    const root = makeTempDir('coder-bench-git-small-')
    await createSmallRepos(root)
    const server = await startGitServer({ root })
    closers.push(() => server.close())
    return server
  })

  async function launchProfile(userDataDir, options = {}) {
    return chromium.launchPersistentContext(userDataDir, {
      executablePath: await executablePath(),
      args: [...chromiumArgs],
      headless: true,
      ...options,
    })
  }

  const storage = process.env.BENCH_STORAGE === 'memory' ? 'memory' : 'disk'

  // The first load makes Vite optimise dependencies (and possibly reload); keep that out of every run.
  const warmApp = once(async () => {
    const { close } = await openPage({ timeoutMs: 180_000 })
    await close()
  })

  /**
   * Opens `/bench.html` in a fresh browser profile once the app is warm; resolves to `{ page, close }`.
   * With `built: true`, from a production build (bundled workers) instead of Vite's dev server.
   */
  async function openBench(options = {}) {
    if (!options.built) await warmApp()
    return openPage(options)
  }

  async function runInBench(method, options) {
    const { page, close } = await openBench(options)
    try {
      await page.evaluate(() => window.coderBench.reset())
      return await page.evaluate((name) => window.coderBench[name](), method)
    } finally {
      await close()
    }
  }

  async function openPage({ timeoutMs = 60_000, built = false } = {}) {
    const url = `${built ? (await builtBench()).url : await appUrl()}/bench.html`
    let context
    if (storage === 'memory') {
      context = await (await browser()).newContext()
    } else {
      const userDataDir = makeTempDir('coder-bench-profile-')
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: await executablePath(),
        args: [...chromiumArgs],
        headless: true,
      })
    }
    const close = () => context.close().catch(() => {})
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      page.on('pageerror', (e) => console.error(`[bench page] ${e.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error') console.error(`[bench page] ${m.text()}`)
      })
      const response = await page.goto(url, { timeout: timeoutMs })
      if (!response?.ok()) throw new Error(`${url} answered ${response?.status() ?? 'nothing'}`)
      await page.waitForFunction(() => typeof window.coderBench === 'object' && window.coderBench !== null, null, {
        timeout: timeoutMs,
      })
      return { page, close }
    } catch (error) {
      await close()
      throw error
    }
  }

  return {
    storage,
    cacheDir,
    browser,
    appUrl,
    openBench,
    runInBench,
    builtApp,
    builtBenchUrl: async () => `${(await builtBench()).url}/bench.html`,
    launchProfile,
    largeRepoUrl: async () => `${(await gitServer()).url}/large.git`,
    smallRepoUrl: async () => `${(await smallGitServer()).url}/small.git`,
    importTs,
    makeTempDir,
    async close() {
      for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {})
      for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Runs one case `runs` times, alternating which of subject and anchor goes first, prints
 * `<case>: <value><unit>  anchor <label> <anchorValue><unit>  ratio <x.xx>` and writes
 * bench/results/<case>.json. Resolves to that result.
 */
export async function runCase(ctx, benchCase, { runs } = {}) {
  const n = Math.max(3, runs ?? benchCase.runs ?? 3)
  const timeoutMs = benchCase.timeoutMs ?? 10 * 60_000
  const values = []
  const anchors = []
  try {
    if (benchCase.warmup) await withTimeout(benchCase.warmup(ctx), timeoutMs, `${benchCase.name} warm-up`)
    for (let run = 0; run < n; run++) {
      const sample = await withTimeout(
        benchCase.runOnce(ctx, { run, subjectFirst: run % 2 === 0 }),
        timeoutMs,
        `${benchCase.name} run ${run + 1}`,
      )
      if (!Number.isFinite(sample?.value) || !Number.isFinite(sample?.anchor)) {
        throw new Error(`${benchCase.name} run ${run + 1} returned ${JSON.stringify(sample)}`)
      }
      values.push(sample.value)
      anchors.push(sample.anchor)
      console.error(
        `  ${benchCase.name} run ${run + 1}/${n}: ${fmt(sample.value)}${benchCase.unit}, anchor ${fmt(sample.anchor)}${benchCase.unit}`,
      )
    }
  } finally {
    await benchCase.teardown?.(ctx)
  }
  const value = median(values)
  const anchorValue = median(anchors)
  const result = {
    case: benchCase.name,
    unit: benchCase.unit,
    value: round(value),
    anchor: benchCase.anchor,
    anchorValue: round(anchorValue),
    ratio: round(value / anchorValue, 2),
    runs: n,
    at: new Date().toISOString(),
  }
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, `${benchCase.name}.json`), JSON.stringify(result, null, 2) + '\n')
  console.log(
    `${result.case}: ${fmt(value)}${result.unit}  anchor ${result.anchor} ${fmt(anchorValue)}${result.unit}  ratio ${result.ratio.toFixed(2)}`,
  )
  return result
}

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
const fmt = (x) => (Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(1))
