import nodePath from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPathModule } from './path'

const path = createPathModule(() => '/workspace/app')
const node = nodePath.posix
const paths = ['', '.', '..', '/', '//', '///a', 'a', 'a/', '/a/b/c', '/a/b/c/', 'a/b/../c', '../../x', './a/./b/', '/a/../..', 'a//b', '.hidden', '/x/.hidden', 'file.txt', 'file.tar.gz', '/dir/file.', 'dir.d/file', '..a', 'a..', '/foo/bar/baz/asdf/quux.html', '/a/b.c/', 'foo/../../bar']

describe('path (posix) matches node:path', () => {
  it.each(paths)('normalize/dirname/basename/extname/parse/isAbsolute of %j', (p) => {
    expect(path.normalize(p)).toBe(node.normalize(p))
    expect(path.dirname(p)).toBe(node.dirname(p))
    expect(path.basename(p)).toBe(node.basename(p))
    expect(path.basename(p, '.txt')).toBe(node.basename(p, '.txt'))
    expect(path.basename(p, 'c')).toBe(node.basename(p, 'c'))
    expect(path.extname(p)).toBe(node.extname(p))
    expect(path.parse(p)).toEqual(node.parse(p))
    expect(path.format(path.parse(p))).toBe(node.format(node.parse(p)))
    expect(path.isAbsolute(p)).toBe(node.isAbsolute(p))
  })

  it('join, resolve and relative agree for pairs', () => {
    for (const a of paths) {
      for (const b of ['', 'x', '../y', '/abs', 'z/']) {
        expect(path.join(a, b)).toBe(node.join(a, b))
        expect(path.resolve('/workspace/app', a, b)).toBe(node.resolve('/workspace/app', a, b))
        expect(path.relative(`/r/${a}`, `/r/${b}`)).toBe(node.relative(`/r/${a}`, `/r/${b}`))
      }
    }
  })

  it('resolves relative paths against the given cwd, not the real one', () => {
    expect(path.resolve('src')).toBe('/workspace/app/src')
    expect(path.resolve()).toBe('/workspace/app')
    expect(path.relative('/workspace/app/a', 'b')).toBe('../b')
  })

  it('formats and has the constants', () => {
    expect(path.format({ dir: '/x', name: 'f', ext: 'js' })).toBe(node.format({ dir: '/x', name: 'f', ext: 'js' }))
    expect(path.format({ root: '/', base: 'b' })).toBe(node.format({ root: '/', base: 'b' }))
    expect([path.sep, path.delimiter]).toEqual(['/', ':'])
    expect(path.posix).toBe(path)
    expect(path.win32.join('a', 'b')).toBe('a/b')
  })

  it('throws ERR_INVALID_ARG_TYPE like Node for non-strings', () => {
    const ours = (() => { try { path.join('a', 1 as never) } catch (e) { return e as { code: string; message: string } } })()
    const theirs = (() => { try { node.join('a', 1 as never) } catch (e) { return e as { code: string; message: string } } })()
    expect(ours?.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(ours?.message).toBe(theirs?.message)
  })
})
