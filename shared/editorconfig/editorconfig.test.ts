import { describe, expect, it } from 'vitest'
import { listEditorconfigPaths, parseEditorconfig, resolveIndent } from './index'

/** True when a section `[glob]` in /workspace/.editorconfig applies to `path`. */
function matches(glob: string, path: string): boolean {
  return resolveIndent([{ dir: '/workspace', text: `[${glob}]\nindent_size = 3\n` }], path).indentSize === 3
}

describe('parseEditorconfig', () => {
  it('reads the preamble, sections, comments and lowercases known values', () => {
    const file = parseEditorconfig(
      '\uFEFF# top\nroot = TRUE\n\n[*]\nIndent_Style = Space\n; comment\nindent_size=2\nmy_key = KeepCase\n[ *.md ]\ntrim_trailing_whitespace = false\nnot a pair\n',
    )
    expect(file).toEqual({
      root: true,
      sections: [
        { glob: '*', properties: { indent_style: 'space', indent_size: '2', my_key: 'KeepCase' } },
        { glob: '*.md', properties: { trim_trailing_whitespace: 'false' } },
      ],
    })
  })

  it('accepts CRLF line endings and an empty file', () => {
    expect(parseEditorconfig('root=true\r\n[*]\r\nindent_style=tab\r\n').sections[0].properties).toEqual({ indent_style: 'tab' })
    expect(parseEditorconfig('')).toEqual({ root: false, sections: [] })
  })
})

describe('globs', () => {
  it('`*` matches within one segment, at any depth when the glob has no slash', () => {
    expect(matches('*.js', '/workspace/a.js')).toBe(true)
    expect(matches('*.js', '/workspace/src/deep/a.js')).toBe(true)
    expect(matches('*.js', '/workspace/a.ts')).toBe(false)
    expect(matches('*', '/workspace/any/file')).toBe(true)
    expect(matches('a*.js', '/workspace/ab/c.js')).toBe(false)
  })

  it('a glob with a slash is relative to the .editorconfig directory', () => {
    expect(matches('src/*.js', '/workspace/src/a.js')).toBe(true)
    expect(matches('src/*.js', '/workspace/lib/src/a.js')).toBe(false)
    expect(matches('src/*.js', '/workspace/src/deep/a.js')).toBe(false)
    expect(matches('/a.js', '/workspace/a.js')).toBe(true)
    expect(matches('/a.js', '/workspace/sub/a.js')).toBe(false)
    expect(matches('Makefile', '/workspace/sub/Makefile')).toBe(true)
  })

  it('`**` crosses directories, and `**/` also matches none', () => {
    expect(matches('src/**/*.js', '/workspace/src/a.js')).toBe(true)
    expect(matches('src/**/*.js', '/workspace/src/x/y/a.js')).toBe(true)
    expect(matches('src/**', '/workspace/src/x/y/a.js')).toBe(true)
    expect(matches('a**z.c', '/workspace/a/b/z.c')).toBe(true)
    expect(matches('lib/**.js', '/workspace/lib/x/a.js')).toBe(true)
  })

  it('`?` matches one character but not a slash', () => {
    expect(matches('?.js', '/workspace/a.js')).toBe(true)
    expect(matches('?.js', '/workspace/ab.js')).toBe(false)
    expect(matches('a?b', '/workspace/a/b')).toBe(false)
  })

  it('`[...]` and `[!...]` are character classes; an unclosed `[` is literal', () => {
    expect(matches('[ab].js', '/workspace/a.js')).toBe(true)
    expect(matches('[ab].js', '/workspace/c.js')).toBe(false)
    expect(matches('[a-c].js', '/workspace/b.js')).toBe(true)
    expect(matches('[!ab].js', '/workspace/c.js')).toBe(true)
    expect(matches('[!ab].js', '/workspace/a.js')).toBe(false)
    expect(matches('[-x].js', '/workspace/-.js')).toBe(true)
    expect(matches('a[.js', '/workspace/a[.js')).toBe(true)
    expect(matches('a[b/c]d', '/workspace/a[b/c]d')).toBe(true)
  })

  it('`{a,b}` alternatives, nested; `{single}` and an unclosed `{` are literal', () => {
    expect(matches('*.{js,ts}', '/workspace/a.ts')).toBe(true)
    expect(matches('*.{js,ts}', '/workspace/a.md')).toBe(false)
    expect(matches('{package.json,.travis.yml}', '/workspace/x/.travis.yml')).toBe(true)
    expect(matches('a{b,{c,d}e}', '/workspace/ade')).toBe(true)
    expect(matches('a{,b}.c', '/workspace/a.c')).toBe(true)
    expect(matches('{single}.b', '/workspace/{single}.b')).toBe(true)
    expect(matches('{single}.b', '/workspace/single.b')).toBe(false)
    expect(matches('a{b', '/workspace/a{b')).toBe(true)
  })

  it('`{n..m}` matches integers in the range', () => {
    expect(matches('file{1..3}.txt', '/workspace/file2.txt')).toBe(true)
    expect(matches('file{1..3}.txt', '/workspace/file4.txt')).toBe(false)
    expect(matches('file{3..1}.txt', '/workspace/file1.txt')).toBe(true)
    expect(matches('f{-5..5}', '/workspace/f-3')).toBe(true)
    expect(matches('f{-5..5}', '/workspace/f-6')).toBe(false)
    expect(matches('f{1..3}.{a,b}', '/workspace/f3.b')).toBe(true)
  })

  it('backslash escapes a special character', () => {
    expect(matches('\\*.js', '/workspace/*.js')).toBe(true)
    expect(matches('\\*.js', '/workspace/a.js')).toBe(false)
  })

  it('treats regex characters in names and directories literally', () => {
    expect(resolveIndent([{ dir: '/work (1)+', text: '[a.b]\nindent_size = 3' }], '/work (1)+/a.b').indentSize).toBe(3)
    expect(resolveIndent([{ dir: '/work (1)+', text: '[a.b]\nindent_size = 3' }], '/work (1)+/axb').indentSize).toBeUndefined()
  })
})

describe('resolveIndent', () => {
  it('maps the indent properties and their defaults', () => {
    const at = (text: string) => resolveIndent([{ dir: '/workspace', text: `[*]\n${text}` }], '/workspace/a.ts')
    expect(at('indent_style = space\nindent_size = 4')).toEqual({ indentStyle: 'space', indentSize: 4, tabWidth: 4 })
    expect(at('indent_style = tab')).toEqual({ indentStyle: 'tab' })
    expect(at('indent_style = tab\ntab_width = 8')).toEqual({ indentStyle: 'tab', indentSize: 8, tabWidth: 8 })
    expect(at('indent_size = tab\ntab_width = 3')).toEqual({ indentSize: 3, tabWidth: 3 })
    expect(at('indent_size = 2\ntab_width = 8')).toEqual({ indentSize: 2, tabWidth: 8 })
    expect(at('insert_final_newline = true\ntrim_trailing_whitespace = false')).toEqual({ insertFinalNewline: true, trimTrailingWhitespace: false })
    expect(at('indent_style = spaces\nindent_size = -1\ntab_width = x')).toEqual({})
  })

  it('lets closer files and later sections win, and `unset` clear', () => {
    const files = [
      { dir: '/workspace/src', text: '[*.ts]\nindent_size = 4\n[*.md]\nindent_style = unset' },
      { dir: '/workspace', text: '[*]\nindent_style = space\nindent_size = 2\n[*.ts]\nindent_size = 8\ninsert_final_newline = true\n[*.md]\nindent_style = tab' },
    ]
    expect(resolveIndent(files, '/workspace/src/a.ts')).toEqual({ indentStyle: 'space', indentSize: 4, tabWidth: 4, insertFinalNewline: true })
    expect(resolveIndent(files, '/workspace/a.ts')).toEqual({ indentStyle: 'space', indentSize: 8, tabWidth: 8, insertFinalNewline: true })
    expect(resolveIndent(files, '/workspace/src/a.md')).toEqual({ indentSize: 2, tabWidth: 2 })
  })

  it('stops at the nearest root = true and ignores files not above the path', () => {
    const files = [
      { dir: '/', text: '[*]\ntrim_trailing_whitespace = true\nindent_style = tab' },
      { dir: '/workspace', text: 'root = true\n[*]\nindent_size = 2' },
      { dir: '/workspace/other', text: '[*]\nindent_size = 7' },
      { dir: '/workspace/src/', text: '[*]\ninsert_final_newline = false' },
    ]
    expect(resolveIndent(files, '/workspace/src/a.ts')).toEqual({ indentSize: 2, tabWidth: 2, insertFinalNewline: false })
    expect(resolveIndent(files, '/tmp/a.ts')).toEqual({ indentStyle: 'tab', trimTrailingWhitespace: true })
    expect(resolveIndent([], '/workspace/a.ts')).toEqual({})
  })

  it('matches a slash glob against the path relative to its own file', () => {
    const files = [{ dir: '/workspace', text: '[src/*.ts]\nindent_size = 4' }]
    expect(resolveIndent(files, '/workspace/src/a.ts').indentSize).toBe(4)
    expect(resolveIndent(files, '/workspace/lib/src/a.ts').indentSize).toBeUndefined()
  })
})

describe('listEditorconfigPaths', () => {
  it('lists every ancestor directory, nearest first', () => {
    expect(listEditorconfigPaths('/workspace/src/a.ts')).toEqual(['/workspace/src/.editorconfig', '/workspace/.editorconfig', '/.editorconfig'])
    expect(listEditorconfigPaths('/a.ts')).toEqual(['/.editorconfig'])
  })
})
