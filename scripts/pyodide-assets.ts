/**
 * @module The Vite plugin that serves pyodide from Coder's own origin at `/assets/pyodide-<version>/`
 * (`PYODIDE_INDEX_URL` in worker/runtime/python): straight from node_modules in the dev
 * server, and copied into the build's output at the same path. Never a CDN: the IDE works offline
 * and is cross-origin isolated.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Plugin } from 'vite'

function pyodideDir(): string {
  return dirname(createRequire(import.meta.url).resolve('pyodide/package.json'))
}

/**
 * Where pyodide is served from, in dev and in builds: under `/assets/` with its version in the
 * path, so the service worker caches it like any build file (and a new version is a new path).
 * The code reads it as `__CODER_PYODIDE_BASE__` (`PYODIDE_INDEX_URL`).
 */
const BASE = `/assets/pyodide-${(JSON.parse(readFileSync(join(pyodideDir(), 'package.json'), 'utf8')) as { version: string }).version}/`

/** The files `loadPyodide` fetches for the interpreter and the standard library (no packages). */
const FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']

const CONTENT_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.zip': 'application/zip',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * Serves `node_modules/pyodide/<file>` at BASE in the dev server (with its content
 * type and `Cross-Origin-Resource-Policy: same-origin`, ahead of Vite's own transforms so the
 * modules arrive untouched) and emits FILES there in builds.
 */
export function pyodideAssets(): Plugin {
  return {
    name: 'coder:pyodide-assets',
    config: () => ({ define: { __CODER_PYODIDE_BASE__: JSON.stringify(BASE) } }),
    configureServer(server) {
      const dir = pyodideDir()
      server.middlewares.use(BASE, (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '')
        const ext = name.slice(name.lastIndexOf('.'))
        if (!name || name.includes('/') || name.includes('\\') || !(ext in CONTENT_TYPES) || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
        const file = join(dir, name)
        let size: number
        try {
          size = statSync(file).size
        } catch {
          return next()
        }
        res.statusCode = 200
        res.setHeader('Content-Type', CONTENT_TYPES[ext])
        res.setHeader('Content-Length', String(size))
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
        res.setHeader('Cache-Control', 'no-cache')
        if (req.method === 'HEAD') return res.end()
        createReadStream(file).pipe(res)
      })
    },
    generateBundle() {
      const dir = pyodideDir()
      for (const name of FILES) this.emitFile({ type: 'asset', fileName: `${BASE.slice(1)}${name}`, source: readFileSync(join(dir, name)) })
    },
  }
}
