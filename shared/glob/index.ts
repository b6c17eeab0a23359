/** @module Glob patterns as VS Code's search include/exclude fields take them. */

/**
 * Compiles a comma-separated list of globs into one test over workspace-relative paths
 * (`src/a.ts`). `*` and `?` stay within a path segment, `**` spans segments, `{a,b}` and
 * `[...]` work as in a shell. A pattern without `/` matches at any depth (`*.ts`, `node_modules`),
 * and a pattern naming a folder matches everything inside it. Empty input matches nothing.
 */
export function compileGlobs(list: string): (path: string) => boolean {
  const patterns = splitTopLevel(list)
    .map((p) => p.trim().replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter(Boolean)
  if (patterns.length === 0) return () => false
  const regexes = patterns.map((p) => {
    const anchored = p.includes('/') ? p.replace(/^\//, '') : `**/${p}`
    return new RegExp(`^${translate(anchored)}(?:/.*)?$`)
  })
  return (path) => regexes.some((r) => r.test(path))
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

function translate(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole segments; a trailing `**` anything.
        if (glob[i + 2] === '/') {
          out += '(?:[^/]*/)*'
          i += 2
        } else {
          out += '.*'
          i += 1
        }
      } else out += '[^/]*'
    } else if (ch === '?') out += '[^/]'
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) out += '\\['
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')
        out += `[${body}]`
        i = end
      }
    } else if (ch === '{') {
      const end = matchingBrace(glob, i)
      if (end < 0) out += '\\{'
      else {
        out += `(?:${splitTopLevel(glob.slice(i + 1, end)).map(translate).join('|')})`
        i = end
      }
    } else out += ch.replace(/[.+^$()|\\\]}]/g, '\\$&')
  }
  return out
}

function matchingBrace(s: string, open: number): number {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++
    else if (s[i] === '}' && --depth === 0) return i
  }
  return -1
}
