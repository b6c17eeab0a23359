/**
 * @module `vite build` of the IDE for the e2e project: a vitest globalSetup that builds dist/ once
 * per run (the specs serve it with e2e/support/app-server.ts), and `buildApp` for a spec or a
 * benchmark that needs another build.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { distDir } from './app-server'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Builds the IDE with vite.config.ts into `outDir` (default dist/), in a child process (the
 * config loads the Workers test plugin, which does not load inside a test's module runner).
 * With `marker`, web/main.tsx also sets `globalThis.__coderBuildMarker = marker`: a build with
 * different content, hence new hashes, as a new deployment has. With `bench`, web/bench.html is
 * built as a second page. Resolves to the build's wall time
 * in ms; rejects with Vite's output when the build fails.
 */
export async function buildApp({ outDir = distDir, marker, bench = false }: { outDir?: string; marker?: string; bench?: boolean } = {}): Promise<number> {
  // With `bench`, the bench page (web/bench.html) is built too, so benchmarks time production code.
  const input = bench ? { index: 'web/index.html', bench: 'web/bench.html' } : null
  const script = `
    const { build } = await import('vite')
    const marker = ${JSON.stringify(marker ?? null)}
    const input = ${JSON.stringify(input)}
    await build({
      configFile: 'vite.config.ts',
      logLevel: 'warn',
      build: { outDir: ${JSON.stringify(outDir)}, emptyOutDir: true, ...(input ? { rollupOptions: { input } } : {}) },
      plugins: marker === null ? [] : [{
        name: 'e2e-build-marker',
        enforce: 'pre',
        transform: (code, id) => id.endsWith('/web/main.tsx') ? code + '\\nglobalThis.__coderBuildMarker = ' + JSON.stringify(marker) + '\\n' : null,
      }],
    })
  `
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      // vitest sets NODE_ENV=test, which would make Vite build with import.meta.env.PROD false.
      env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' },
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}:\n${output}`))))
  })
  return performance.now() - t0
}

/** globalSetup: builds dist/ before the e2e specs run. */
export default async function setup(): Promise<void> {
  const ms = await buildApp()
  console.log(`[e2e] built dist/ in ${(ms / 1000).toFixed(1)} s`)
}
