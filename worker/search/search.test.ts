import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { mkdirp } from '../../shared/namespace'
import type { SearchProgress } from '../../shared/protocol'
import { Tree } from '../namespace'
import { listFiles, matchText, searchFiles } from '.'

async function workspace(files: Record<string, string | Uint8Array>) {
  const fs = Tree.memory()
  for (const [path, content] of Object.entries(files)) {
    await mkdirp(fs, `/${path}`.replace(/\/[^/]+$/, '') || '/')
    await fs.writeFile(`/${path}`, typeof content === 'string' ? new TextEncoder().encode(content) : content)
  }
  return fs
}

describe('search across files', () => {
  it('finds matches with line, column and preview, streaming them as progress', async () => {
    const fs = await workspace({
      'src/a.ts': 'const answer = 42\nexport function Answer() {\n  return answer\n}\n',
      'src/b.ts': 'nothing here\n',
      'README.md': 'The answer is in src/a.ts\n',
    })
    const batches: SearchProgress[] = []
    const totals = await searchFiles(fs, '/', { query: 'answer' }, { onProgress: (p) => batches.push(p) })
    expect(totals).toEqual({ files: 2, matches: 4, searched: 3, truncated: false })
    const results = batches.flatMap((b) => b.results)
    const a = results.find((r) => r.path === 'src/a.ts')!
    expect(a.matches.map((m) => [m.line, m.column])).toEqual([[1, 6], [2, 16], [3, 9]])
    expect(a.matches[1].preview).toBe('export function Answer() {')
    expect(batches.at(-1)!.searched).toBe(3)
  })

  it('honours case, whole word, regex, include and exclude', async () => {
    const fs = await workspace({ 'a.js': 'foo Foo food\n', 'lib/b.ts': 'foo\n', 'node_modules/x/i.js': 'foo\n', '.git/config': 'foo\n' })
    const count = async (q: Parameters<typeof searchFiles>[2]) => (await searchFiles(fs, '/', q)).matches
    expect(await count({ query: 'foo' })).toBe(4)
    expect(await count({ query: 'Foo', caseSensitive: true })).toBe(1)
    expect(await count({ query: 'foo', wholeWord: true })).toBe(3)
    expect(await count({ query: 'fo+d?\\b', regex: true })).toBe(4)
    expect(await count({ query: 'foo', include: '*.ts' })).toBe(1)
    expect(await count({ query: 'foo', exclude: 'lib' })).toBe(3)
  })

  it('skips binary files and stops at maxResults', async () => {
    const fs = await workspace({ 'bin.dat': new Uint8Array([102, 111, 111, 0, 1]), 'many.txt': 'x\n'.repeat(50) })
    expect((await searchFiles(fs, '/', { query: 'foo' })).matches).toBe(0)
    expect(await searchFiles(fs, '/', { query: 'x', maxResults: 10 })).toMatchObject({ matches: 10, truncated: true })
  })

  it('rejects an invalid regular expression with a clear message, and stops when aborted', async () => {
    const fs = await workspace({ 'a.txt': 'a' })
    await expect(searchFiles(fs, '/', { query: '(unclosed', regex: true })).rejects.toThrow(/not a valid regular expression/)
    const controller = new AbortController()
    controller.abort()
    await expect(searchFiles(fs, '/', { query: 'a' }, { signal: controller.signal })).rejects.toSatisfy((e: AppError) => e.code === 'ABORTED')
  })

  it('lists files for quick open without .git and node_modules', async () => {
    const fs = await workspace({ 'b.ts': '', 'a/c.ts': '', '.git/HEAD': '', 'node_modules/p/i.js': '' })
    expect(await listFiles(fs, '/')).toEqual(['a/c.ts', 'b.ts'])
  })

  it('keeps a match on a long line visible in its preview', () => {
    const [m] = matchText(`${'x'.repeat(1000)}needle`, /needle/g, 10)
    expect(m.preview.slice(m.previewColumn, m.previewColumn + 6)).toBe('needle')
  })
})
