import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import solid from 'vite-plugin-solid'
import { playwright } from '@vitest/browser-playwright'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import type { ShellManifest } from './shared/offline'
import { pyodideAssets } from './scripts/pyodide-assets.ts'

/** Cross-origin isolation: needed for SharedArrayBuffer (pyodide interrupts, WebContainer). */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

/**
 * Builds web/sw/sw.ts to /sw.js, a classic script with this build's ShellManifest injected: the
 * shell to precache (index.html, the page's entry chunks with their static imports and CSS, the
 * worker scripts) and every hashed file. Production builds only: the dev server has no service worker.
 */
function offlineShell(): Plugin {
  return {
    name: 'coder:offline-shell',
    apply: 'build',
    generateBundle: {
      // After vite:build-html has emitted index.html.
      order: 'post',
      async handler(_, bundle) {
        const shell = new Set<string>()
        const add = (fileName: string) => {
          if (shell.has(`/${fileName}`)) return
          shell.add(`/${fileName}`)
          const chunk = bundle[fileName]
          if (chunk?.type === 'chunk') for (const f of [...chunk.imports, ...(chunk.viteMetadata?.importedCss ?? [])]) add(f)
        }
        const entries: string[] = []
        for (const out of Object.values(bundle)) {
          if (out.type === 'chunk' && out.isEntry) {
            entries.push(`/${out.fileName}`)
            add(out.fileName)
          }
          // Worker bundles arrive as assets; they start with the page, so they are shell too.
          else if (out.type === 'asset' && out.fileName.endsWith('.js')) add(out.fileName)
        }
        const files = Object.keys(bundle).filter((f) => f.startsWith('assets/')).map((f) => `/${f}`).sort()
        const html = bundle['index.html']
        const version = createHash('sha256')
          .update(JSON.stringify(files))
          .update(html?.type === 'asset' ? html.source : '')
          .digest('hex')
          .slice(0, 16)
        const manifest: ShellManifest = { version, shell: ['/', ...[...shell].sort()], entries: entries.sort(), files }
        const result = await build({
          configFile: false,
          logLevel: 'warn',
          publicDir: false,
          define: { __CODER_SW_MANIFEST__: JSON.stringify(manifest) },
          build: {
            write: false,
            target: 'es2022',
            minify: true,
            lib: { entry: fileURLToPath(new URL('web/sw/sw.ts', import.meta.url)), formats: ['iife'], name: 'coderServiceWorker' },
          },
        })
        const [output] = Array.isArray(result) ? result : [result]
        if (!output || !('output' in output)) throw new Error('coder:offline-shell: the service worker build produced nothing')
        this.emitFile({ type: 'asset', fileName: 'sw.js', source: output.output[0].code })
      },
    },
  }
}

/**
 * A head start for the two slow steps of opening the IDE, both begun from a small inline script in
 * index.html instead of after the entry has downloaded and run: the workspace SharedWorker (the
 * entry connects to the same one: same URL and name) and, on a project's page, fetching and
 * compiling the project view's code (`modulepreload`; CodeMirror is most of it).
 */
function earlyStart(): Plugin {
  return {
    name: 'coder:early-start',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle
        if (!bundle) return html
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk')
        const worker = chunks.map((c) => /\/assets\/main-[\w-]+\.js/.exec(c.code)?.[0]).find(Boolean)
        const view = chunks.find((c) => c.facadeModuleId?.endsWith('/web/project/ProjectView.tsx'))
        const preload = new Set<string>()
        const add = (fileName: string) => {
          const chunk = bundle[fileName]
          if (preload.has(fileName) || (chunk?.type === 'chunk' && chunk.isEntry)) return
          preload.add(fileName)
          if (chunk?.type === 'chunk') chunk.imports.forEach(add)
        }
        if (view) add(view.fileName)
        const script = [
          worker && `if (typeof SharedWorker === 'function') try { new SharedWorker(${JSON.stringify(worker)}, { type: 'module', name: 'workspace' }) } catch (e) {}`,
          preload.size &&
            `if (/^\\/p\\//.test(location.pathname)) for (const href of ${JSON.stringify([...preload].map((f) => `/${f}`))}) { const l = document.createElement('link'); l.rel = 'modulepreload'; l.crossOrigin = ''; l.href = href; document.head.append(l) }`,
        ].filter(Boolean)
        return script.length ? [{ tag: 'script', children: script.join('\n'), injectTo: 'head' as const }] : html
      },
    },
  }
}

// `npm test` launches one Chromium and hands its endpoint to every suite (scripts/test.mjs).
const browserEndpoint = process.env.CODER_BROWSER_WS

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [solid(), offlineShell(), earlyStart(), pyodideAssets()],
  worker: { format: 'es' },
  // Pre-bundled up front, so the dev server and browser tests never reload mid-run.
  optimizeDeps: {
    include: ['buffer', 'isomorphic-git', 'idb', 'solid-js', 'solid-js/web', 'solid-js/store', 'pako/lib/zlib/inflate.js', 'pako/lib/zlib/zstream.js', '@isomorphic-git/lightning-fs',
      '@codemirror/state', '@codemirror/view', '@codemirror/commands', '@codemirror/search', '@codemirror/autocomplete', '@codemirror/language', '@codemirror/theme-one-dark', '@codemirror/merge',
      '@codemirror/lang-javascript', '@codemirror/lang-json', '@codemirror/lang-css', '@codemirror/lang-html', '@lezer/markdown', '@codemirror/lang-python', '@codemirror/lang-yaml', '@codemirror/lang-rust', '@codemirror/lang-go', '@codemirror/legacy-modes/mode/shell',
      'esbuild-wasm', '@bjorn3/browser_wasi_shim', '@xterm/xterm', '@xterm/addon-fit',
    ],
  },
  server: {
    host: '127.0.0.1',
    headers: isolation,
    strictPort: false,
    // The edge (wrangler dev) owns /api, /git and the model proxy /v1; `npm start` sets CODER_EDGE_URL from EDGE_PORT.
    proxy: Object.fromEntries(
      ['/api/', '/git/', '/v1/'].map((prefix) => [prefix, { target: process.env.CODER_EDGE_URL || 'http://127.0.0.1:8787', ws: true }]),
    ),
  },
  preview: { host: '127.0.0.1', headers: isolation },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    // vite-plugin-solid asks for jsdom; Coder's suites run in node, workerd or real Chromium.
    environment: 'node',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          root: '.',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'worker/**/*.test.ts', 'standins/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          root: '.',
          include: ['worker/**/*.test.ts', 'shared/**/*.case.test.ts', 'web/**/*.browser.test.ts'],
          exclude: ['**/*.node.test.ts'],
          testTimeout: 60_000,
          // …and the model stand-ins, for the model providers' contract suite over CORS (worker/models).
          globalSetup: ['e2e/support/global-setup.ts', 'e2e/support/model-standin.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright(
              browserEndpoint
                ? { connectOptions: { wsEndpoint: browserEndpoint } }
                : { launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' } },
            ),
          },
        },
      },
      {
        test: {
          name: 'edge',
          root: '.',
          include: ['edge/**/*.test.ts'],
          // The Workers pool runs tests in workerd; 'node' only stops vite-plugin-solid's jsdom default.
          environment: 'node',
          setupFiles: ['edge/test/apply-migrations.ts'],
          // A real HTTP upstream on 127.0.0.1 for the package proxy (edge/packages.test.ts).
          // …and the GitHub stand-in for sign-in, the git proxy and the REST routes.
          // …and the Stripe stand-in for buying credits (edge/stripe.test.ts).
          globalSetup: ['e2e/support/package-upstream.ts', 'e2e/support/github-standin.ts', 'e2e/support/stripe-standin.ts', 'e2e/support/model-standin.ts'],
        },
        plugins: [
          cloudflareTest(async () => {
            // ASSETS serves ./dist; before the first `vite build` stand in a page plus public/ (its
            // _headers), as `npm start` does, so the asset-header tests have something to serve.
            const fs = await import('node:fs')
            if (!fs.existsSync('dist/index.html')) {
              fs.cpSync('public', 'dist', { recursive: true })
              fs.writeFileSync('dist/index.html', '<!doctype html><title>Coder</title><p>IDE not built yet: run npm run build.\n')
            }
            return {
              wrangler: { configPath: './wrangler.toml' },
              miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations('edge/migrations') } },
            }
          }),
        ],
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          // A real browser on a 2-core machine: allow a UI change a few seconds to show.
          expect: { poll: { timeout: 10_000, interval: 100 } },
          root: '.',
          environment: 'node',
          include: ['e2e/**/*.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // The specs run against the production build, served with the real headers.
          globalSetup: ['e2e/support/global-setup.ts', 'e2e/support/build-app.ts'],
        },
      },
    ],
  },
})
