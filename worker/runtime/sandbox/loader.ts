import { basename, dirname, joinPath, normalizePath } from '../../../shared/namespace'
import type { SourceLocation } from '../../../shared/runtime'
import { compileLoader, hasEsmSyntax, isEsmFile, RESOLVE_EXTENSIONS, type CompileLoader } from '../modules'
import { decodeMappings, originalPosition, type DecodedMap } from './source-map'

/** What the loader needs from the file system (the sandbox's in-memory copy). */
export interface ModuleFs {
  /** The file's bytes, or null when there is no such file. */
  readFile(path: string): Uint8Array | null
  isFile(path: string): boolean
  isDirectory(path: string): boolean
  /** The path with every symlink resolved (a workspace package linked from node_modules); the path itself when absent. */
  realpath?(path: string): string
}

/** A module compiled to CommonJS, with esbuild's source map (JSON) when it has one. */
export interface CompiledModule {
  code: string
  map: string | null
}

/** Everything the loader is given. */
export interface LoaderOptions {
  fs: ModuleFs
  /** Node's built-in modules: `has` for any built-in name, `require` throws for those a tab cannot offer. */
  builtins: { has(name: string): boolean; require(name: string): unknown }
  /** Modules served by the runtime itself, by specifier (`vitest`, `node:test`, ...), made on first use. */
  provided: Record<string, () => unknown>
  /** Compiles a file to CommonJS (from the host's cache, or synchronously through the host). */
  compile(path: string, source: string, loader: CompileLoader): CompiledModule
  /** The globals a module body sees as `import.meta`. */
  origin?: string
}

/** A CommonJS module as Node shapes it. */
export interface Module {
  id: string
  filename: string
  path: string
  exports: unknown
  loaded: boolean
  parent: Module | null
  children: Module[]
  paths: string[]
  require: RequireFunction
}

/** `require`, with its properties. */
export type RequireFunction = ((specifier: string) => unknown) & {
  resolve: ((specifier: string) => string) & { paths(specifier: string): string[] | null }
  cache: Record<string, Module>
  main: Module | undefined
}

/** Loads modules the way Node does for CommonJS, with ES modules and TypeScript compiled to it. */
export interface Loader {
  /** Runs `path` as the main module (`node path`). */
  runMain(path: string): Module
  /** A require function as seen from a module in `dir` (for `module.createRequire`). */
  createRequire(filename: string): RequireFunction
  /** A stack trace with compiled positions mapped back to the source and the runtime's own frames left out. */
  mapStack(stack: string): string
  /** The first workspace position in an error's stack (mapped to the source). */
  locate(stack: string): SourceLocation | null
}

const WRAPPER_ARGS = 'exports, require, module, __filename, __dirname, __coder_meta, __coder_import'

/** Which `exports` conditions a resolution prefers: `require()`'s or `import`'s. */
type Mode = 'require' | 'import'

// How esbuild's CommonJS output loads modules: static imports, and import() (a promise around it).
const IMPORT_CALLS = /__toESM\(require\(/g
const DYNAMIC_IMPORT_CALLS = /Promise\.resolve\(\)\.then\(\(\) => __toESM\(require\(/g

/** Node's module-not-found error. */
function notFound(specifier: string, parent: Module | null): Error {
  const stack: string[] = []
  for (let m = parent; m; m = m.parent) stack.push(`- ${m.filename}`)
  const error = new Error(`Cannot find module '${specifier}'${stack.length ? `\nRequire stack:\n${stack.join('\n')}` : ''}`) as Error & { code: string; requireStack: string[] }
  error.code = 'MODULE_NOT_FOUND'
  error.requireStack = stack.map((s) => s.slice(2))
  return error
}

/** A CommonJS loader over `options.fs`. */
export function createLoader(options: LoaderOptions): Loader {
  const { fs } = options
  const cache: Record<string, Module> = Object.create(null)
  const maps = new Map<string, { raw: string; decoded: DecodedMap | null }>()
  const packageJsonCache = new Map<string, Record<string, unknown> | null>()
  const provided = new Map<string, unknown>()
  let main: Module | undefined

  function readText(path: string): string | null {
    const bytes = fs.readFile(path)
    return bytes ? new TextDecoder().decode(bytes) : null
  }

  function packageJson(dir: string): Record<string, unknown> | null {
    if (packageJsonCache.has(dir)) return packageJsonCache.get(dir)!
    const text = fs.isFile(`${dir}/package.json`) ? readText(`${dir}/package.json`) : null
    let value: Record<string, unknown> | null = null
    if (text !== null) {
      try {
        value = JSON.parse(text) as Record<string, unknown>
      } catch (error) {
        throw new Error(`Invalid package config ${dir}/package.json: ${(error as Error).message}`)
      }
    }
    packageJsonCache.set(dir, value)
    return value
  }

  /** The `type` of the package a file belongs to (nearest package.json). */
  function packageType(path: string): string | null {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const pkg = packageJson(dir === '/' ? '' : dir)
      if (pkg) return typeof pkg.type === 'string' ? pkg.type : null
      if (dir === '/' || basename(dir) === 'node_modules') return null
    }
  }

  function tryFile(path: string): string | null {
    if (fs.isFile(path)) return path
    for (const ext of RESOLVE_EXTENSIONS) if (fs.isFile(path + ext)) return path + ext
    // TypeScript's ESM convention: `import './x.js'` names the compiled file of `./x.ts`.
    const ts = /\.(m|c)?js$/.exec(path)
    if (ts) {
      const stem = path.slice(0, -ts[0].length)
      for (const ext of ts[1] ? [`.${ts[1]}ts`] : ['.ts', '.tsx']) if (fs.isFile(stem + ext)) return stem + ext
    }
    return null
  }

  function tryDirectory(dir: string): string | null {
    if (!fs.isDirectory(dir)) return null
    const pkg = packageJson(dir)
    const entry = typeof pkg?.main === 'string' ? pkg.main : null
    if (entry) {
      const hit = tryFile(joinPath(dir, entry)) ?? tryIndex(joinPath(dir, entry))
      if (hit) return hit
    }
    return tryIndex(dir)
  }

  function tryIndex(dir: string): string | null {
    for (const ext of RESOLVE_EXTENSIONS) if (fs.isFile(`${dir}/index${ext}`)) return `${dir}/index${ext}`
    return null
  }

  function resolveTarget(target: unknown, star: string | null, conditions: Set<string>): string | null {
    if (typeof target === 'string') return star === null ? target : target.replaceAll('*', star)
    if (Array.isArray(target)) {
      for (const t of target) {
        const hit = resolveTarget(t, star, conditions)
        if (hit) return hit
      }
      return null
    }
    if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target)) {
        if (key === 'default' || conditions.has(key)) {
          const hit = resolveTarget(value, star, conditions)
          if (hit) return hit
        }
      }
    }
    return null
  }

  /** Resolves `subpath` (`.` or `./x`) through an `exports` or `imports` map. */
  function resolveMap(map: unknown, subpath: string, conditions: Set<string>): string | null {
    const entries = typeof map === 'string' || Array.isArray(map) || (map && typeof map === 'object' && !Object.keys(map).some((k) => k.startsWith('.') || k.startsWith('#')))
      ? { '.': map }
      : (map as Record<string, unknown>)
    if (subpath in entries && !subpath.includes('*')) return resolveTarget(entries[subpath], null, conditions)
    let best: { key: string; star: string } | null = null
    for (const key of Object.keys(entries)) {
      const at = key.indexOf('*')
      if (at < 0) continue
      const [prefix, suffix] = [key.slice(0, at), key.slice(at + 1)]
      if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
        if (!best || prefix.length > best.key.indexOf('*')) best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) }
      }
    }
    return best ? resolveTarget(entries[best.key], best.star, conditions) : null
  }

  // `require` conditions first; an ES-module-only package still loads (it is compiled like any ESM).
  const REQUIRE = new Set(['node', 'require', 'module-sync'])
  const IMPORT = new Set(['node', 'import', 'module-sync'])

  function resolveExports(pkgDir: string, exportsField: unknown, subpath: string, specifier: string, parent: Module | null, mode: Mode): string {
    const [first, second] = mode === 'import' ? [IMPORT, REQUIRE] : [REQUIRE, IMPORT]
    const target = resolveMap(exportsField, subpath, first) ?? resolveMap(exportsField, subpath, second)
    if (!target) {
      const error = new Error(`Package subpath '${subpath}' is not defined by "exports" in ${pkgDir}/package.json${parent ? ` imported from ${parent.filename}` : ''}`) as Error & { code: string }
      error.code = 'ERR_PACKAGE_PATH_NOT_EXPORTED'
      throw error
    }
    const full = joinPath(pkgDir, target)
    const hit = tryFile(full)
    if (!hit) throw notFound(specifier, parent)
    return hit
  }

  /**
   * What `specifier` names, by its real path as Node resolves it (without --preserve-symlinks): a
   * package reached through a symlink (`node_modules/ws-b` → `packages/b`) is loaded from its own
   * folder, so its dependencies resolve from there.
   */
  function resolve(specifier: string, parent: Module | null, mode: Mode = 'require'): string {
    const found = resolveLink(specifier, parent, mode)
    return fs.realpath ? fs.realpath(found) : found
  }

  function resolveLink(specifier: string, parent: Module | null, mode: Mode): string {
    const fromDir = parent ? dirname(parent.filename) : '/workspace'
    if (specifier.startsWith('file://')) specifier = decodeURIComponent(new URL(specifier).pathname)
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier === '.' || specifier === '..') {
      const full = normalizePath(specifier.startsWith('/') ? specifier : joinPath(fromDir, specifier))
      const hit = (specifier.endsWith('/') ? null : tryFile(full)) ?? tryDirectory(full)
      if (!hit) throw notFound(specifier, parent)
      return hit
    }
    if (specifier.startsWith('#')) {
      for (let dir = fromDir; ; dir = dirname(dir)) {
        const pkg = packageJson(dir)
        if (pkg?.imports) {
          const target = mode === 'import' ? (resolveMap(pkg.imports, specifier, IMPORT) ?? resolveMap(pkg.imports, specifier, REQUIRE)) : (resolveMap(pkg.imports, specifier, REQUIRE) ?? resolveMap(pkg.imports, specifier, IMPORT))
          if (target) return target.startsWith('.') ? (tryFile(joinPath(dir, target)) ?? (() => { throw notFound(specifier, parent) })()) : resolve(target, parent)
        }
        if (pkg || dir === '/') throw notFound(specifier, parent)
      }
    }
    const parts = specifier.split('/')
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
    const rest = parts.slice(specifier.startsWith('@') ? 2 : 1).join('/')
    // A package importing itself by name.
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const pkg = basename(dir) === 'node_modules' ? null : packageJson(dir)
      if (pkg) {
        if (pkg.name === name && pkg.exports !== undefined) return resolveExports(dir, pkg.exports, rest ? `./${rest}` : '.', specifier, parent, mode)
        break
      }
      if (dir === '/') break
    }
    for (let dir = fromDir; ; dir = dirname(dir)) {
      if (basename(dir) !== 'node_modules') {
        const pkgDir = joinPath(dir, `node_modules/${name}`)
        if (fs.isDirectory(pkgDir)) {
          const pkg = packageJson(pkgDir)
          if (pkg && pkg.exports !== undefined && pkg.exports !== null) return resolveExports(pkgDir, pkg.exports, rest ? `./${rest}` : '.', specifier, parent, mode)
          const full = rest ? joinPath(pkgDir, rest) : pkgDir
          const hit = (rest ? tryFile(full) : null) ?? tryDirectory(full)
          if (hit) return hit
        }
      }
      if (dir === '/') break
    }
    throw notFound(specifier, parent)
  }

  function makeRequire(module: Module | null): RequireFunction {
    const require = ((specifier: string) => load(specifier, module)) as RequireFunction
    const resolveFn = ((specifier: string) => {
      if (options.builtins.has(specifier) || specifier in options.provided) return specifier
      return resolve(specifier, module)
    }) as RequireFunction['resolve']
    resolveFn.paths = (specifier) => (options.builtins.has(specifier) ? null : nodeModulePaths(module ? dirname(module.filename) : '/workspace'))
    require.resolve = resolveFn
    require.cache = cache
    Object.defineProperty(require, 'main', { get: () => main, enumerable: true })
    return require
  }

  function load(specifier: string, parent: Module | null, mode: Mode = 'require'): unknown {
    if (typeof specifier !== 'string' || specifier === '') {
      const error = new TypeError(`The "id" argument must be of type string. Received ${specifier === '' ? "''" : typeof specifier}`) as TypeError & { code: string }
      error.code = specifier === '' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE'
      throw error
    }
    if (specifier in options.provided) {
      if (!provided.has(specifier)) provided.set(specifier, options.provided[specifier]!())
      return provided.get(specifier)
    }
    if (options.builtins.has(specifier)) return options.builtins.require(specifier)
    const filename = resolve(specifier, parent, mode)
    const cached = cache[filename]
    if (cached) {
      if (parent && !parent.children.includes(cached)) parent.children.push(cached)
      return cached.exports
    }
    return execute(filename, parent).exports
  }

  function execute(filename: string, parent: Module | null): Module {
    const module: Module = {
      id: filename,
      filename,
      path: dirname(filename),
      exports: {},
      loaded: false,
      parent,
      children: [],
      paths: nodeModulePaths(dirname(filename)),
      require: null as unknown as RequireFunction,
    }
    module.require = makeRequire(module)
    if (!parent) main ??= module
    cache[filename] = module
    parent?.children.push(module)
    let ok = false
    try {
      const source = readText(filename)
      if (source === null) throw notFound(filename, parent)
      if (filename.endsWith('.json')) {
        try {
          module.exports = JSON.parse(source)
        } catch (error) {
          throw new SyntaxError(`${filename}: ${(error as Error).message}`)
        }
      } else {
        const type = packageType(filename)
        const loader = compileLoader(filename, source, type)
        const compiled = loader ? options.compile(filename, source, loader) : { code: source, map: null }
        if (compiled.map) maps.set(filename, { raw: compiled.map, decoded: null })
        // Imports resolve with the "import" condition, as Node's do: every import of an ES module,
        // and import() anywhere (esbuild writes both as `__toESM(require(...))`).
        const esm = loader !== null && (isEsmFile(filename, type) || hasEsmSyntax(source))
        const imports = esm ? IMPORT_CALLS : DYNAMIC_IMPORT_CALLS
        const code = compiled.code.replace(imports, (call) => call.replace('require(', '__coder_import('))
        const body = code.startsWith('#!') ? `//${code}` : code
        // One line of wrapper before the body would shift every line number: keep it on line 1.
        const wrapper = (0, eval)(`(function (${WRAPPER_ARGS}) {${body}\n})\n//# sourceURL=${filename}`) as (...args: unknown[]) => void
        const meta = { url: `file://${filename}`, filename, dirname: dirname(filename), resolve: (s: string) => `file://${resolve(s, module)}` }
        const importFn = (specifier: string) => load(specifier, module, 'import')
        wrapper.call(module.exports, module.exports, module.require, module, filename, dirname(filename), meta, importFn)
      }
      ok = true
    } finally {
      if (!ok) delete cache[filename]
    }
    module.loaded = true
    return module
  }

  function decoded(path: string): DecodedMap | null {
    const entry = maps.get(path)
    if (!entry) return null
    if (!entry.decoded) {
      try {
        entry.decoded = decodeMappings((JSON.parse(entry.raw) as { mappings: string }).mappings)
      } catch {
        maps.delete(path)
        return null
      }
    }
    return entry.decoded
  }

  const origin = options.origin ?? ''
  // A frame's location: `(/workspace/a.ts:3:9)` or `at /workspace/a.ts:3:9`, maybe with the page's origin.
  const FRAME = /(\(|at )((?:[a-z]+:\/\/[^/\s)]*)?)(\/[^\s():]+):(\d+):(\d+)(\)?)$/

  function mapFrame(line: string): { text: string; location: SourceLocation | null } | null {
    const m = FRAME.exec(line)
    if (!m) return /^\s+at /.test(line) ? null : { text: line, location: null }
    const [, open, prefix, path, l, c, close] = m
    if (prefix && prefix !== origin && prefix !== 'file://') return null
    if (!(path!.startsWith('/workspace/') || path!.startsWith('/tmp/'))) return null
    let line1 = Number(l)
    let column = Number(c)
    const map = decoded(path!)
    if (map) {
      const hit = originalPosition(map, line1, column)
      if (hit) [line1, column] = [hit.line, hit.column]
    } else if (line1 === 1 && cache[path!]) {
      // The wrapper's header shares the first line.
      column = Math.max(1, column - `(function (${WRAPPER_ARGS}) {`.length)
    }
    return { text: `${line.slice(0, m.index)}${open}${path}:${line1}:${column}${close}`, location: { path: path!, line: line1, column } }
  }

  return {
    runMain(path) {
      const filename = resolve(path.startsWith('/') ? path : `./${path}`, null)
      return execute(filename, null)
    },
    createRequire(filename) {
      const fake = { filename, children: [] as Module[], parent: null } as unknown as Module
      return makeRequire(fake)
    },
    mapStack(stack) {
      const out: string[] = []
      for (const line of stack.split('\n')) {
        const mapped = mapFrame(line)
        if (mapped) out.push(mapped.text)
      }
      return out.join('\n')
    },
    locate(stack) {
      for (const line of stack.split('\n')) {
        const mapped = mapFrame(line)
        if (mapped?.location) return mapped.location
      }
      return null
    },
  }
}

/** The node_modules folders Node searches from `dir` upwards. */
function nodeModulePaths(dir: string): string[] {
  const out: string[] = []
  for (let d = dir; ; d = dirname(d)) {
    if (basename(d) !== 'node_modules') out.push(d === '/' ? '/node_modules' : `${d}/node_modules`)
    if (d === '/') break
  }
  return out
}
