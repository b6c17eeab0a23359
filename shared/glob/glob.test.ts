import { describe, expect, it } from 'vitest'
import { compileGlobs } from '.'

describe('compileGlobs', () => {
  it('matches names at any depth when the pattern has no slash', () => {
    const m = compileGlobs('*.ts')
    expect(m('a.ts')).toBe(true)
    expect(m('src/deep/a.ts')).toBe(true)
    expect(m('src/a.tsx')).toBe(false)
  })
  it('treats a folder name as everything inside it', () => {
    const m = compileGlobs('node_modules, dist/')
    expect(m('node_modules/x/index.js')).toBe(true)
    expect(m('packages/a/node_modules/y.js')).toBe(true)
    expect(m('dist/app.js')).toBe(true)
    expect(m('src/distance.ts')).toBe(false)
  })
  it('anchors patterns with a slash at the workspace root and supports ** { } [ ] ?', () => {
    expect(compileGlobs('src/**/*.test.ts')('src/a/b/c.test.ts')).toBe(true)
    expect(compileGlobs('src/**/*.test.ts')('src/c.test.ts')).toBe(true)
    expect(compileGlobs('src/**/*.test.ts')('lib/src/c.test.ts')).toBe(false)
    expect(compileGlobs('*.{js,ts}')('x/y.js')).toBe(true)
    expect(compileGlobs('*.{js,ts}')('x/y.css')).toBe(false)
    expect(compileGlobs('file[0-9].txt')('file7.txt')).toBe(true)
    expect(compileGlobs('file?.txt')('fileab.txt')).toBe(false)
  })
  it('matches nothing for an empty list', () => {
    expect(compileGlobs(' , ')('a.ts')).toBe(false)
  })
})
