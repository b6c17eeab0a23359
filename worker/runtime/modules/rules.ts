/** How esbuild must read a file to turn it into CommonJS, or null when it runs as it is. */
export type CompileLoader = 'js' | 'ts' | 'tsx' | 'jsx'

/** Extensions tried, in order, for an import without one (Node's, then TypeScript's). */
export const RESOLVE_EXTENSIONS = ['.js', '.json', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts', '.jsx']

/** Files that may be modules at all (the host compiles these ahead of a run). */
export const MODULE_EXTENSIONS = /\.(?:[cm]?[jt]s|[jt]sx)$/

// An `import`/`export` statement at the start of a line, or import.meta: the file is an ES module.
const ESM_SYNTAX = /^[ \t]*(?:import[ \t]*(?:[\w*{$'"]|\.meta)|export[ \t]*(?:[{*]|default\b|const\b|let\b|var\b|function\b|class\b|async\b|enum\b|interface\b|type\b))|\bimport\.meta\b/m

// `import(...)`: the worker's own import() cannot load workspace modules, so it becomes require().
const DYNAMIC_IMPORT = /(?<![\w$.])import\s*\(/

/**
 * Which loader compiles `path` to CommonJS: TypeScript and JSX always; `.mjs` always; `.js` when
 * its package says `"type": "module"` or it uses import/export; `.js` and `.cjs` that use
 * `import()`; `.json` never.
 */
export function compileLoader(path: string, source: string, packageType: string | null): CompileLoader | null {
  const ext = /\.[^./]+$/.exec(path)?.[0] ?? ''
  switch (ext) {
    case '.ts':
    case '.mts':
    case '.cts':
      return 'ts'
    case '.tsx':
      return 'tsx'
    case '.jsx':
      return 'jsx'
    case '.mjs':
      return 'js'
    case '.js':
      return packageType === 'module' || ESM_SYNTAX.test(source) || DYNAMIC_IMPORT.test(source) ? 'js' : null
    case '.cjs':
      return DYNAMIC_IMPORT.test(source) ? 'js' : null
    default:
      return null
  }
}

/** Whether a source uses import/export statements or import.meta (Node then runs it as an ES module). */
export function hasEsmSyntax(source: string): boolean {
  return ESM_SYNTAX.test(source)
}

/** True when Node treats the file as an ES module (so `import x from 'cjs'` gets module.exports). */
export function isEsmFile(path: string, packageType: string | null): boolean {
  return /\.m[jt]s$/.test(path) || (/\.[jt]sx?$/.test(path) && packageType === 'module')
}
