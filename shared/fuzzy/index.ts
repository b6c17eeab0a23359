/** @module Fuzzy matching of file paths for quick open, scored the way VS Code's feels. */

/** A ranked path: higher score is better; `positions` are the matched character indexes. */
export interface FuzzyMatch {
  path: string
  score: number
  positions: number[]
}

/**
 * Scores `path` against `query` (characters in order, case-insensitive; spaces ignored). Null when
 * not every character is found. Matches in the file name, at word starts (after `/ _ - .` or a
 * lower→upper case change) and in runs score higher; shorter paths win ties.
 */
export function fuzzyMatch(query: string, path: string): FuzzyMatch | null {
  return matchNormalized(normalize(query), path)
}

/** The query as matching reads it: no spaces, lower case. */
const normalize = (query: string) => query.replace(/\s+/g, '').toLowerCase()

function matchNormalized(q: string, path: string): FuzzyMatch | null {
  if (!q) return { path, score: 0, positions: [] }
  const lower = path.toLowerCase()
  const nameStart = path.lastIndexOf('/') + 1
  // Prefer matching inside the file name: try from the name first, then from the start.
  const fromName = q.length <= path.length - nameStart ? scan(q, path, lower, nameStart, nameStart) : null
  const anywhere = scan(q, path, lower, 0, nameStart)
  const best = fromName && (!anywhere || fromName.score >= anywhere.score) ? fromName : anywhere
  return best ? { path, ...best } : null
}

function scan(q: string, path: string, lower: string, from: number, nameStart: number): { score: number; positions: number[] } | null {
  const positions: number[] = []
  let score = 0
  let i = from
  let previous = -2
  for (const ch of q) {
    let found = -1
    // Look ahead for a word-start occurrence before settling for the first one.
    const first = lower.indexOf(ch, i)
    if (first < 0) return null
    found = first
    for (let j = first; j < lower.length && j < first + 24; j++) {
      if (lower[j] === ch && isWordStart(path, j) && j !== previous + 1) {
        if (first !== previous + 1) found = j
        break
      }
    }
    let s = 1
    if (found === previous + 1) s += 5
    if (isWordStart(path, found)) s += 4
    if (found >= nameStart) s += 2
    if (path[found] === ch) s += 0.5
    score += s
    positions.push(found)
    previous = found
    i = found + 1
  }
  score -= path.length * 0.01
  if (lower.slice(nameStart).startsWith(q)) score += 10
  return { score, positions }
}

function isWordStart(s: string, i: number): boolean {
  if (i === 0) return true
  const prev = s[i - 1]
  if (prev === '/' || prev === '_' || prev === '-' || prev === '.' || prev === ' ') return true
  return prev === prev.toLowerCase() && s[i] !== s[i].toLowerCase()
}

const collator = new Intl.Collator()

/** Negative when `a` ranks before `b`: higher score, then the shorter path, then the path's order. */
const compareMatches = (a: FuzzyMatch, b: FuzzyMatch) => b.score - a.score || a.path.length - b.path.length || collator.compare(a.path, b.path)

/**
 * The best `limit` matches of `query` among `paths`, best first. Only the best so far are kept,
 * in order (a binary search places each): with 20,000 paths there is no sort of them all.
 */
export function rankPaths(query: string, paths: readonly string[], limit = 50): FuzzyMatch[] {
  const q = normalize(query)
  const top: FuzzyMatch[] = []
  for (const path of paths) {
    const m = matchNormalized(q, path)
    if (!m || (top.length >= limit && compareMatches(m, top[top.length - 1]!) >= 0)) continue
    let lo = 0
    let hi = top.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareMatches(top[mid]!, m) <= 0) lo = mid + 1
      else hi = mid
    }
    top.splice(lo, 0, m)
    if (top.length > limit) top.pop()
  }
  return top
}
