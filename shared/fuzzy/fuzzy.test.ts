import { describe, expect, it } from 'vitest'
import { fuzzyMatch, rankPaths } from '.'

const paths = ['src/components/Button.tsx', 'src/utils/format.ts', 'README.md', 'src/app/main.ts', 'test/format.test.ts', 'docs/buttons.md']

describe('quick open ranking', () => {
  it('finds characters in order and refuses paths lacking them', () => {
    expect(fuzzyMatch('fmt', 'src/utils/format.ts')).not.toBeNull()
    expect(fuzzyMatch('xyz', 'src/utils/format.ts')).toBeNull()
    expect(fuzzyMatch('tmf', 'src/utils/format.ts')).toBeNull()
  })
  it('ranks a file-name prefix above scattered matches', () => {
    expect(rankPaths('format', paths).map((m) => m.path).slice(0, 2)).toEqual(['src/utils/format.ts', 'test/format.test.ts'])
    expect(rankPaths('button', paths).map((m) => m.path).slice(0, 2).sort()).toEqual(['docs/buttons.md', 'src/components/Button.tsx'])
    expect(rankPaths('buttontsx', paths)[0].path).toBe('src/components/Button.tsx')
  })
  it('matches word starts across the path (scb → src/components/Button)', () => {
    expect(rankPaths('scb', paths)[0].path).toBe('src/components/Button.tsx')
  })
  it('reports matched positions for highlighting', () => {
    const m = fuzzyMatch('rd', 'README.md')!
    expect(m.positions.map((i) => 'README.md'[i].toLowerCase())).toEqual(['r', 'd'])
  })
  it('returns everything (up to the limit) for an empty query', () => {
    expect(rankPaths('', paths, 3)).toHaveLength(3)
  })
  it('keeps exactly the best `limit` of many paths, in the order sorting them all gives', () => {
    const many = Array.from({ length: 3000 }, (_, i) => `pkg-${i % 37}/mod-${(i * 7919) % 1000}/file-${i}.ts`)
    for (const query of ['', 'mod', 'p3f12', 'file-1', 'zzz']) {
      const all = many
        .map((p) => fuzzyMatch(query, p))
        .filter((m) => m !== null)
        .sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path))
      expect(rankPaths(query, many, 50), query).toEqual(all.slice(0, 50))
    }
  })
})
