import { AppError } from '../../shared/errors'

/**
 * The folders a package.json `workspaces` field (an array of globs, or `{ packages: [...] }`)
 * names among `folders` (the project's folders, relative to its root, without node_modules), in
 * npm's order: pattern by pattern, each pattern's matches sorted; a `!pattern` drops the folders
 * matched so far that it matches. Globs: `*` and `?` within one path segment (not matching a
 * leading dot), `**` for any number of segments, `{a,b}`, `[abc]`. A leading `./` or `/` is
 * ignored. Throws BAD_INPUT when the field is not an array of strings.
 */
export function matchWorkspaces(field: unknown, folders: readonly string[]): string[] {
  const patterns = workspacePatterns(field)
  const sorted = [...folders].sort((a, b) => a.localeCompare(b, 'en'))
  const out: string[] = []
  for (const raw of patterns) {
    const bangs = /^!+/.exec(raw)?.[0].length ?? 0
    const pattern = raw.slice(bangs).replace(/^\.?\/+/, '').replace(/\/+$/, '')
    const re = globToRegExp(pattern)
    if (bangs % 2 === 1) {
      for (let i = out.length - 1; i >= 0; i--) if (re.test(out[i]!)) out.splice(i, 1)
    } else {
      for (const folder of sorted) if (re.test(folder) && !out.includes(folder)) out.push(folder)
    }
  }
  return out
}

/** The glob list of a `workspaces` field (empty when there is none). */
export function workspacePatterns(field: unknown): string[] {
  if (field === undefined || field === null) return []
  const list = typeof field === 'object' && !Array.isArray(field) && Array.isArray((field as { packages?: unknown }).packages) ? (field as { packages: unknown[] }).packages : field
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) {
    throw new AppError('BAD_INPUT', 'npm error code EWORKSPACESCONFIG: package.json "workspaces" must be an array of folder globs, or { "packages": [...] }')
  }
  return list as string[]
}

/** A whole-path matcher for one glob. */
function globToRegExp(glob: string): RegExp {
  const segments = glob.split('/').filter((s) => s !== '' && s !== '.')
  let source = '^'
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1
    if (segment === '**') {
      // Zero or more whole segments, none of them hidden.
      source += last ? '(?:[^/.][^/]*(?:/[^/.][^/]*)*)?' : '(?:[^/.][^/]*/)*'
      return
    }
    source += segmentSource(segment) + (last ? '' : '/')
  })
  return new RegExp(`${source.replace(/\/$/, '')}$`)
}

function segmentSource(segment: string): string {
  let out = segment.startsWith('.') ? '' : '(?!\\.)'
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!
    if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1)
      if (end < 0) out += '\\['
      else {
        out += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else if (c === '{') {
      const end = segment.indexOf('}', i + 1)
      if (end < 0) out += '\\{'
      else {
        out += `(?:${segment
          .slice(i + 1, end)
          .split(',')
          .map((alt) => segmentSource(alt).replace(/^\(\?!\\\.\)/, ''))
          .join('|')})`
        i = end
      }
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&')
  }
  return out
}
