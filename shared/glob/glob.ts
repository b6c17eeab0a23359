/** A compiled `.editorconfig` section glob: a path regex plus the `{n..m}` ranges its groups must satisfy. */
export interface CompiledGlob {
  regex: RegExp
  /** One entry per capturing group of `regex`, in order: the integer range that group must fall in. */
  ranges: Array<[number, number]>
}

/**
 * Compiles a section glob of the `.editorconfig` file in `dir` into a matcher for absolute paths.
 * A glob without `/` matches at any depth below `dir`; one with `/` is relative to `dir` (a
 * leading `/` only anchors). `*` and `?` stay within a segment, `**` crosses them (`**​/` also
 * matches no directory at all), `[...]`/`[!...]` are character classes, `{a,b}` alternatives,
 * `{1..3}` integer ranges, `\` escapes; an unclosed `[` or `{` is literal.
 */
export function compileGlob(dir: string, glob: string): CompiledGlob {
  const slash = findUnbracketedSlash(glob)
  if (slash === -1) glob = '**/' + glob
  else if (slash === 0) glob = glob.slice(1)
  const ranges: Array<[number, number]> = []
  const base = dir.endsWith('/') ? dir : dir + '/'
  const source = escapeRegex(base) + translate(glob, ranges, true)
  return { regex: new RegExp('^' + source + '$', 's'), ranges }
}

/** True when `path` (absolute, normalised) matches `glob`. */
export function matchGlob(glob: CompiledGlob, path: string): boolean {
  const match = glob.regex.exec(path)
  if (!match) return false
  return glob.ranges.every(([low, high], i) => {
    const value = match[i + 1]
    if (value === undefined) return true // the group sat in an alternative that did not match
    const n = Number(value)
    return n >= low && n <= high
  })
}

function findUnbracketedSlash(glob: string): number {
  let inBracket = false
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '\\') i++
    else if (c === '[') inBracket = true
    else if (c === ']') inBracket = false
    else if (c === '/' && !inBracket) return i
  }
  return -1
}

/** Glob → regex source. `atSegmentStart` says whether the text before `glob` ends with `/`. */
function translate(glob: string, ranges: Array<[number, number]>, atSegmentStart: boolean): string {
  let out = ''
  let i = 0
  while (i < glob.length) {
    const c = glob[i]
    const segmentStart = i === 0 ? atSegmentStart : glob[i - 1] === '/'
    if (c === '\\') {
      out += escapeRegex(glob[i + 1] ?? '\\')
      i += 2
    } else if (c === '*') {
      let end = i
      while (glob[end] === '*') end++
      if (end - i === 1) out += '[^/]*'
      else if (segmentStart && glob[end] === '/') {
        out += '(?:.*/)?'
        end++
      } else out += '.*'
      i = end
    } else if (c === '?') {
      out += '[^/]'
      i++
    } else if (c === '[') {
      const close = findBracketClose(glob, i)
      if (close === -1) {
        out += '\\['
        i++
      } else {
        out += translateClass(glob.slice(i + 1, close))
        i = close + 1
      }
    } else if (c === '{') {
      const close = findBraceClose(glob, i)
      const body = close === -1 ? '' : glob.slice(i + 1, close)
      const range = /^([+-]?\d+)\.\.([+-]?\d+)$/.exec(body)
      const alternatives = close === -1 ? [] : splitAlternatives(body)
      if (range) {
        const a = Number(range[1])
        const b = Number(range[2])
        ranges.push([Math.min(a, b), Math.max(a, b)])
        out += '([+-]?\\d+)'
        i = close + 1
      } else if (alternatives.length > 1) {
        out += '(?:' + alternatives.map((alt) => translate(alt, ranges, segmentStart)).join('|') + ')'
        i = close + 1
      } else {
        // `{single}` and an unclosed `{` are literal; what follows is still a glob.
        out += '\\{'
        i++
      }
    } else {
      out += escapeRegex(c)
      i++
    }
  }
  return out
}

/** Index of the `]` closing the class opened at `open`, or -1 (also when the class would hold `/`). */
function findBracketClose(glob: string, open: number): number {
  let i = open + 1
  if (glob[i] === '!' || glob[i] === '^') i++
  if (glob[i] === ']') i++ // a leading `]` is a member, not the end
  for (; i < glob.length; i++) {
    const c = glob[i]
    if (c === '\\') i++
    else if (c === '/') return -1
    else if (c === ']') return i
  }
  return -1
}

function translateClass(body: string): string {
  let out = '['
  let first = 0
  if (body[0] === '!' || body[0] === '^') {
    out += '^'
    first = 1
  }
  for (let i = first; i < body.length; i++) {
    const c = body[i]
    if (c === '\\') {
      out += '\\' + (body[++i] ?? '\\')
    } else if (c === '-' && i > first && i < body.length - 1) {
      out += '-'
    } else out += /[\]\\^[-]/.test(c) ? '\\' + c : c
  }
  return out + ']'
}

/** Index of the `}` that closes the brace opened at `open` (braces nest), or -1. */
function findBraceClose(glob: string, open: number): number {
  let depth = 0
  for (let i = open; i < glob.length; i++) {
    const c = glob[i]
    if (c === '\\') i++
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return i
  }
  return -1
}

/** Splits a brace body on its top-level commas. */
function splitAlternatives(body: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '\\') i++
    else if (c === '{') depth++
    else if (c === '}') depth--
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i))
      start = i + 1
    }
  }
  parts.push(body.slice(start))
  return parts
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
