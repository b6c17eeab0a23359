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
  const q = query.replace(/\s+/g, '').toLowerCase()
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

/** The best `limit` matches of `query` among `paths`, best first. */
export function rankPaths(query: string, paths: readonly string[], limit = 50): FuzzyMatch[] {
  const out: FuzzyMatch[] = []
  for (const p of paths) {
    const m = fuzzyMatch(query, p)
    if (m) out.push(m)
  }
  out.sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path))
  return out.slice(0, limit)
}
