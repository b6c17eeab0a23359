import { AppError, throwIfAborted } from '../../shared/errors'
import { compileGlobs } from '../../shared/glob'
import { joinPath, type FileService } from '../../shared/namespace'
import type { FileMatches, SearchMatch, SearchProgress, SearchQuery } from '../../shared/protocol'
import { isBinary } from '../git/repo'

/** Folders nobody means to search or quick-open (VS Code's defaults, plus git's own). */
export const DEFAULT_EXCLUDES = '.git,node_modules,bower_components'
/** Files larger than this are skipped by search (they are usually generated or data). */
export const SEARCH_MAX_FILE_BYTES = 1024 * 1024
const PREVIEW_CHARS = 300

type Fs = Pick<FileService, 'readdir' | 'lstat' | 'readFile'>

/** A non-folder entry under the walked root: its relative path, type and size. */
interface FileEntry {
  path: string
  type: 'file' | 'symlink'
  size: number
}

/** Every non-folder entry under `root` (paths relative to it, sorted), without the excluded ones. */
async function walkEntries(fs: Fs, root: string, exclude: string): Promise<FileEntry[]> {
  const skip = compileGlobs(exclude)
  const out: FileEntry[] = []
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of await fs.readdir(dir)) {
      const r = rel ? `${rel}/${name}` : name
      if (skip(r)) continue
      const full = joinPath(dir, name)
      const s = await fs.lstat(full)
      if (s.type === 'dir') await walk(full, r)
      else out.push({ path: r, type: s.type, size: s.size })
    }
  }
  await walk(root, '')
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * Every file under `root` as a path relative to it, sorted, without the default excludes.
 * Reads only metadata (the namespace keeps it in memory), so 20,000 files take milliseconds.
 */
export async function listFiles(fs: Fs, root: string, exclude = DEFAULT_EXCLUDES): Promise<string[]> {
  return (await walkEntries(fs, root, exclude)).map((e) => e.path)
}

/** The query as a global RegExp; BAD_INPUT with the engine's words when the pattern is invalid. */
export function compileQuery(q: SearchQuery): RegExp {
  if (typeof q.query !== 'string' || q.query === '') throw new AppError('BAD_INPUT', 'type something to search for')
  let source = q.regex ? q.query : q.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  if (q.wholeWord) source = `\\b(?:${source})\\b`
  try {
    return new RegExp(source, q.caseSensitive ? 'gmu' : 'gimu')
  } catch (error) {
    throw new AppError('BAD_INPUT', `not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`)
  }
}

/**
 * Searches the text files under `root` (binary files, files over 1 MiB and the excludes are
 * skipped), reporting results in batches through `onProgress` as they are found. Resolves to the
 * totals; stops early at `maxResults` matches (truncated) or when `signal` aborts (ABORTED).
 */
export async function searchFiles(
  fs: Fs,
  root: string,
  query: SearchQuery,
  options: { signal?: AbortSignal; onProgress?: (p: SearchProgress) => void } = {},
): Promise<{ files: number; matches: number; searched: number; truncated: boolean }> {
  const regex = compileQuery(query)
  const maxResults = Math.max(1, Math.min(query.maxResults ?? 2000, 20_000))
  const include = query.include?.trim() ? compileGlobs(query.include) : null
  const excludeList = [DEFAULT_EXCLUDES, query.exclude ?? ''].filter((s) => s.trim()).join(',')
  const entries = (await walkEntries(fs, root, excludeList)).filter((e) => !include || include(e.path))
  const decoder = new TextDecoder()
  let searched = 0
  let files = 0
  let matches = 0
  let truncated = false
  let pending: FileMatches[] = []
  let lastReport = 0
  const report = (force = false) => {
    const now = Date.now()
    if (!force && now - lastReport < 50 && pending.length < 100) return
    lastReport = now
    options.onProgress?.({ searched, total: entries.length, results: pending })
    pending = []
  }

  // Reads run a few at a time so IndexedDB fetches overlap with matching.
  const CONCURRENCY = 16
  let next = 0
  async function worker(): Promise<void> {
    while (next < entries.length && !truncated) {
      throwIfAborted(options.signal)
      const { path: rel, type, size } = entries[next++]
      if (type !== 'file' || size > SEARCH_MAX_FILE_BYTES) {
        searched++
        continue
      }
      const bytes = await fs.readFile(joinPath(root, rel))
      searched++
      if (isBinary(bytes)) continue
      const found = matchText(decoder.decode(bytes), regex, maxResults - matches)
      if (found.length === 0 || truncated) continue
      files++
      matches += found.length
      if (matches >= maxResults) truncated = true
      pending.push({ path: rel, matches: found })
      report()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  throwIfAborted(options.signal)
  report(true)
  return { files, matches, searched, truncated }
}

/** Up to `limit` matches of `regex` in `text`, with 1-based line numbers and line previews. */
export function matchText(text: string, regex: RegExp, limit: number): SearchMatch[] {
  regex.lastIndex = 0
  if (!regex.test(text)) return []
  regex.lastIndex = 0
  const out: SearchMatch[] = []
  let line = 1
  let lineStart = 0
  let scanned = 0
  for (let m = regex.exec(text); m && out.length < limit; m = regex.exec(text)) {
    if (m[0].length === 0) {
      regex.lastIndex++
      continue
    }
    // Count newlines between the previous match and this one.
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < m.index; i = text.indexOf('\n', i + 1)) {
      line++
      lineStart = i + 1
    }
    scanned = m.index
    let lineEnd = text.indexOf('\n', m.index)
    if (lineEnd === -1) lineEnd = text.length
    const column = m.index - lineStart
    const raw = text.slice(lineStart, lineEnd).replace(/\r$/, '')
    // Keep the match visible in the preview of a long line.
    const from = column > PREVIEW_CHARS - 60 ? column - 40 : 0
    out.push({ line, column, length: m[0].length, preview: raw.slice(from, from + PREVIEW_CHARS), previewColumn: column - from })
  }
  return out
}
