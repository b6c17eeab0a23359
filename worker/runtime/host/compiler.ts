import type * as Esbuild from 'esbuild-wasm'
import type { CompileLoader } from '../modules'
import type { CompiledModule } from '../sandbox/loader'

/** Turns TypeScript, JSX and ES modules into CommonJS, caching each file's result by its content. */
export interface Compiler {
  /** Starts esbuild (about a second) and compiles a small file once so the first real compile is quick. */
  warm(): Promise<void>
  compile(path: string, source: string, loader: CompileLoader): Promise<CompiledModule>
}

/**
 * A compiler over esbuild-wasm, loaded from `wasmURL` (our own origin). Failures are
 * SyntaxErrors whose message is esbuild's, with the file, line and column.
 */
export function createCompiler(options: { wasmURL: string; load?: () => Promise<typeof Esbuild> }): Compiler {
  let ready: Promise<typeof Esbuild> | null = null
  const cache = new Map<string, { source: string; result: CompiledModule }>()
  const start = () =>
    (ready ??= (async () => {
      const esbuild = await (options.load ?? (() => import('esbuild-wasm')))()
      // The host is a worker already: esbuild runs on its thread rather than in another worker.
      await esbuild.initialize({ wasmURL: options.wasmURL, worker: false })
      return esbuild
    })())

  async function compile(path: string, source: string, loader: CompileLoader): Promise<CompiledModule> {
    const hit = cache.get(path)
    if (hit && hit.source === source) return hit.result
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
        tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: false } },
        logLevel: 'silent',
      })
      const result = { code: out.code, map: out.map || null }
      cache.set(path, { source, result })
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
