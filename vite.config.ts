import { defineConfig } from 'vitest/config'
import solid from 'vite-plugin-solid'
import { playwright } from '@vitest/browser-playwright'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'

/** Cross-origin isolation: needed for SharedArrayBuffer (pyodide interrupts, WebContainer). */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

// `npm test` launches one Chromium and hands its endpoint to every suite (scripts/test.mjs).
const browserEndpoint = process.env.CODER_BROWSER_WS

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [solid()],
  worker: { format: 'es' },
  // Pre-bundled up front, so the dev server and browser tests never reload mid-run.
  optimizeDeps: { include: ['buffer', 'isomorphic-git', 'idb', 'solid-js', 'solid-js/web', 'solid-js/store', 'pako/lib/zlib/inflate.js', 'pako/lib/zlib/zstream.js', '@isomorphic-git/lightning-fs'] },
  server: {
    host: '127.0.0.1',
    headers: isolation,
    strictPort: false,
    // The edge (wrangler dev) owns /api and /git; `npm start` sets CODER_EDGE_URL from EDGE_PORT.
    proxy: Object.fromEntries(
      ['/api/', '/git/'].map((prefix) => [prefix, { target: process.env.CODER_EDGE_URL || 'http://127.0.0.1:8787', ws: true }]),
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
          include: ['shared/**/*.test.ts', 'worker/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          root: '.',
          include: ['worker/**/*.test.ts', 'shared/**/*.case.test.ts'],
          exclude: ['**/*.node.test.ts'],
          testTimeout: 60_000,
          globalSetup: ['e2e/support/global-setup.ts'],
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
          root: '.',
          environment: 'node',
          include: ['e2e/**/*.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['e2e/support/global-setup.ts'],
        },
      },
    ],
  },
})
