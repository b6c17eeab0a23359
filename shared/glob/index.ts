/** @module Glob patterns: `.editorconfig` section globs, and VS Code-style include/exclude lists. */
import { compileGlob, matchGlob } from './glob'

export { compileGlob, matchGlob, type CompiledGlob } from './glob'

/**
 * Compiles a comma-separated list of globs into one test over workspace-relative paths
 * (`src/a.ts`). `*` and `?` stay within a path segment, `**` spans segments, `{a,b}` and
 * `[...]` work as in a shell. A pattern without `/` matches at any depth (`*.ts`, `node_modules`),
 * and a pattern naming a folder matches everything inside it. Empty input matches nothing.
 */
export function compileGlobs(list: string): (path: string) => boolean {
  const globs = splitTopLevel(list)
    .map((p) => p.trim().replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter(Boolean)
    .map((p) => compileGlob('/', p))
  if (globs.length === 0) return () => false
  return (path) => {
    // The path itself, or any folder it is in.
    for (let end = path.indexOf('/'); ; end = path.indexOf('/', end + 1)) {
      const candidate = `/${end === -1 ? path : path.slice(0, end)}`
      if (globs.some((g) => matchGlob(g, candidate))) return true
      if (end === -1) return false
    }
  }
}

/** Splits on commas that are not inside braces. */
function splitTopLevel(list: string): string[] {
  const out: string[] = []
  let depth = 0
  let current = ''
  for (const ch of list) {
    if (ch === '{') depth++
    if (ch === '}') depth = Math.max(0, depth - 1)
    if (ch === ',' && depth === 0) {
      out.push(current)
      current = ''
    } else current += ch
  }
  out.push(current)
  return out
}
