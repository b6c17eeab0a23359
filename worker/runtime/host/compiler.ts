import type * as Esbuild from 'esbuild-wasm'
import type { CompileLoader } from '../modules'
import type { CompiledModule } from '../sandbox/loader'
import { compileKey, type CompileStore } from './compile-cache'

/** Turns TypeScript, JSX and ES modules into CommonJS, caching each file's result by its content. */
export interface Compiler {
  /** Starts esbuild (about a second) and compiles a small file once so the first real compile is quick. */
  warm(): Promise<void>
  compile(path: string, source: string, loader: CompileLoader): Promise<CompiledModule>
}

/** Names the compile settings below, so a change to them misses the lasting cache (as does a new esbuild: its wasm's URL is part of the key). */
const SETTINGS = 'cjs es2022 node external-map meta-define no-dynamic-import v2'

/**
 * A compiler over esbuild-wasm, loaded from `wasmURL` (our own origin). Failures are
 * SyntaxErrors whose message is esbuild's, with the file, line and column.
 */
export function createCompiler(options: { wasmURL: string; load?: () => Promise<typeof Esbuild>; store?: CompileStore }): Compiler {
  let ready: Promise<typeof Esbuild> | null = null
  const cache = new Map<string, { source: string; result: CompiledModule }>()
  const start = () =>
    (ready ??= (async () => {
      const esbuild = await (options.load ?? (() => import('esbuild-wasm')))()
      // In its own worker: esbuild's start (seconds of Go code) must not hold up the host's messages.
      await esbuild.initialize({ wasmURL: options.wasmURL, worker: true })
      return esbuild
    })())

  async function compile(path: string, source: string, loader: CompileLoader): Promise<CompiledModule> {
    const hit = cache.get(path)
    if (hit && hit.source === source) return hit.result
    // The lasting cache first: the modules of the last session need no esbuild at all.
    const key = options.store ? await compileKey(`${SETTINGS}\0${options.wasmURL}\0${loader}`, path, source) : null
    const stored = key ? await options.store!.get(key) : undefined
    if (stored) {
      cache.set(path, { source, result: stored })
      return stored
    }
    const esbuild = await start()
    try {
      const out = await esbuild.transform(source, {
        loader,
        format: 'cjs',
        target: 'es2022',
        platform: 'node',
        sourcefile: path,
        sourcemap: 'external',
        sourcesContent: false,
        // import.meta has no CommonJS form: the loader passes each module its own.
        define: { 'import.meta': '__coder_meta' },
        // import() becomes a require() the loader serves (the worker's own import() cannot load workspace files).
        supported: { 'dynamic-import': false },
        tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: false } },
        logLevel: 'silent',
      })
      const result = { code: out.code, map: out.map || null }
      cache.set(path, { source, result })
      if (key) options.store!.put(key, result)
      return result
    } catch (error) {
      const failure = error as { errors?: Array<{ text: string; location?: { line: number; column: number; lineText: string } | null }> }
      const first = failure.errors?.[0]
      if (!first) throw error
      const where = first.location ? `${path}:${first.location.line}:${first.location.column + 1}` : path
      const hint = /Top-level await/.test(first.text) ? ' (the embedded runtime runs ES modules as CommonJS, where top-level await is not possible yet: wrap it in an async function)' : ''
      const text = first.location ? `\n${first.location.lineText}\n${' '.repeat(first.location.column)}^` : ''
      throw new SyntaxError(`${where}: ${first.text}${hint}${text}`)
    }
  }

  return {
    async warm() {
      const esbuild = await start()
      await esbuild.transform('export const warm: number = 1', { loader: 'ts', format: 'cjs' })
    },
    compile,
  }
}
