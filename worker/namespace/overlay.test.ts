import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { walkFiles, type FileService } from '../../shared/namespace'
import { exists } from './ops'
import { WHITEOUTS, createOverlay } from './overlay'
import { Tree } from './tree'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

async function codeOf(p: Promise<unknown>): Promise<string> {
  const outcome = await p.then(
    () => 'resolved',
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(AppError)
  return (outcome as AppError).code
}

/** A lower layer holding a small project. */
async function project(): Promise<Tree> {
  const lower = Tree.memory()
  await lower.mkdir('/src')
  await lower.writeFile('/src/a.ts', bytes('a'))
  await lower.writeFile('/src/b.ts', bytes('b'))
  await lower.mkdir('/src/lib')
  await lower.writeFile('/src/lib/util.ts', bytes('util'))
  await lower.writeFile('/README.md', bytes('readme'))
  await lower.writeFile('/run.sh', bytes('#!/bin/sh'), { mode: 0o755 })
  return lower
}

/** Every file, symlink and directory below `/` with what a user would see of it. */
async function snapshot(fs: FileService): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  async function visit(dir: string): Promise<void> {
    for (const name of await fs.readdir(dir)) {
      const p = dir === '/' ? `/${name}` : `${dir}/${name}`
      const s = await fs.lstat(p)
      if (s.type === 'dir') {
        out[p] = 'dir'
        await visit(p)
      } else if (s.type === 'symlink') {
        out[p] = `-> ${await fs.readlink(p)}`
      } else {
        out[p] = `${s.mode.toString(8)} ${text(await fs.readFile(p))}`
      }
    }
  }
  await visit('/')
  return out
}

describe('overlay', () => {
  it('reads through to the lower layer and keeps every write in the upper one', async () => {
    const lower = await project()
    const before = await snapshot(lower)
    const upper = Tree.memory()
    const overlay = await createOverlay({ lower, upper })

    expect(text(await overlay.readFile('/src/a.ts'))).toBe('a')
    expect(await overlay.readdir('/src')).toEqual(['a.ts', 'b.ts', 'lib'])

    await overlay.writeFile('/src/a.ts', bytes('A!'))
    await overlay.writeFile('/src/lib/new.ts', bytes('new'))
    await overlay.mkdir('/docs')
    await overlay.symlink('README.md', '/readme-link')
    await overlay.writeFile('/run.sh', bytes('#!/bin/bash'))

    expect(text(await overlay.readFile('/src/a.ts'))).toBe('A!')
    expect(await overlay.readdir('/src/lib')).toEqual(['new.ts', 'util.ts'])
    expect(text(await overlay.readFile('/readme-link'))).toBe('readme')
    // A rewrite keeps the lower file's mode.
    expect((await overlay.stat('/run.sh')).mode).toBe(0o100755)

    expect(await snapshot(lower)).toEqual(before)
    expect(text(await upper.readFile('/src/a.ts'))).toBe('A!')
    expect(await exists(upper, '/src/b.ts')).toBe(false)
  })

  it('hides a deleted lower file and directory without touching the lower layer', async () => {
    const lower = await project()
    const before = await snapshot(lower)
    const overlay = await createOverlay({ lower, upper: Tree.memory() })

    await overlay.unlink('/src/a.ts')
    expect(await overlay.readdir('/src')).toEqual(['b.ts', 'lib'])
    expect(await codeOf(overlay.stat('/src/a.ts'))).toBe('ENOENT')
    expect(await codeOf(overlay.lstat('/src/a.ts'))).toBe('ENOENT')
    expect(await codeOf(overlay.readFile('/src/a.ts'))).toBe('ENOENT')
    expect(await codeOf(overlay.unlink('/src/a.ts'))).toBe('ENOENT')

    await overlay.unlink('/src/lib/util.ts')
    await overlay.rmdir('/src/lib')
    expect(await overlay.readdir('/src')).toEqual(['b.ts'])
    expect(await codeOf(overlay.stat('/src/lib'))).toBe('ENOENT')
    expect(await codeOf(overlay.readdir('/src/lib'))).toBe('ENOENT')
    expect(await codeOf(overlay.stat('/src/lib/util.ts'))).toBe('ENOENT')

    expect(await snapshot(lower)).toEqual(before)
  })

  it('shows a deleted-then-recreated directory empty (opaque), not with the old children', async () => {
    const lower = await project()
    const overlay = await createOverlay({ lower, upper: Tree.memory() })
    await overlay.unlink('/src/lib/util.ts')
    await overlay.rmdir('/src/lib')
    await overlay.mkdir('/src/lib')
    expect(await overlay.readdir('/src/lib')).toEqual([])
    expect(await codeOf(overlay.readFile('/src/lib/util.ts'))).toBe('ENOENT')
    await overlay.writeFile('/src/lib/other.ts', bytes('o'))
    expect(await overlay.readdir('/src/lib')).toEqual(['other.ts'])

    // The same after moving a whole lower directory away and making a new one in its place.
    await overlay.rename('/src', '/old')
    await overlay.mkdir('/src')
    expect(await overlay.readdir('/src')).toEqual([])
    expect(await overlay.readdir('/old')).toEqual(['a.ts', 'b.ts', 'lib'])
    expect(await lower.readdir('/src')).toEqual(['a.ts', 'b.ts', 'lib'])
  })

  it('lists exactly the files it adds, modifies and deletes', async () => {
    const lower = await project()
    const overlay = await createOverlay({ lower, upper: Tree.memory() })
    expect(await overlay.changes()).toEqual([])

    await overlay.writeFile('/src/a.ts', bytes('changed'))
    await overlay.writeFile('/src/new.ts', bytes('new'))
    await overlay.unlink('/src/b.ts')
    await overlay.unlink('/src/lib/util.ts')
    await overlay.rmdir('/src/lib')
    await overlay.writeFile('/run.sh', bytes('#!/bin/sh'), { mode: 0o644 })
    // Reverted edits, a delete-and-recreate with the same content and an empty new directory are no change.
    await overlay.writeFile('/README.md', bytes('edited'))
    await overlay.writeFile('/README.md', bytes('readme'))
    await overlay.mkdir('/empty')

    expect(await overlay.changes()).toEqual([
      { path: '/run.sh', kind: 'modified' },
      { path: '/src/a.ts', kind: 'modified' },
      { path: '/src/b.ts', kind: 'deleted' },
      { path: '/src/lib/util.ts', kind: 'deleted' },
      { path: '/src/new.ts', kind: 'added' },
    ])

    await overlay.writeFile('/src/b.ts', bytes('b'))
    await overlay.writeFile('/src/a.ts', bytes('a'))
    await overlay.unlink('/src/new.ts')
    await overlay.writeFile('/run.sh', bytes('#!/bin/sh'), { mode: 0o755 })
    expect(await overlay.changes()).toEqual([{ path: '/src/lib/util.ts', kind: 'deleted' }])
  })

  it('commits the change set to the lower layer and leaves the view as it was, with nothing pending', async () => {
    const lower = await project()
    const upper = Tree.memory()
    const overlay = await createOverlay({ lower, upper })

    await overlay.writeFile('/src/a.ts', bytes('A'))
    await overlay.unlink('/src/b.ts')
    await overlay.unlink('/src/lib/util.ts')
    await overlay.rmdir('/src/lib')
    await overlay.mkdir('/docs')
    await overlay.mkdir('/docs/guide')
    await overlay.writeFile('/docs/guide/intro.md', bytes('intro'))
    await overlay.writeFile('/docs/build.sh', bytes('make'), { mode: 0o755 })
    await overlay.writeFile('/run.sh', bytes('#!/bin/sh'), { mode: 0o644 })
    await overlay.symlink('docs/guide/intro.md', '/intro')
    await overlay.unlink('/README.md')
    await overlay.mkdir('/README.md')

    const view = await snapshot(overlay)
    const changes = await overlay.changes()
    expect(await overlay.commit()).toEqual(changes)

    expect(await snapshot(lower)).toEqual(view)
    expect(await snapshot(overlay)).toEqual(view)
    expect(await overlay.changes()).toEqual([])
    expect(await walkFiles(upper, '/')).toEqual([])
    expect((await lower.lstat('/intro')).type).toBe('symlink')
    expect(text(await lower.readFile('/intro'))).toBe('intro')
    expect((await lower.stat('/docs/build.sh')).mode).toBe(0o100755)
    expect((await lower.stat('/run.sh')).mode).toBe(0o100644)
    expect((await lower.stat('/README.md')).type).toBe('dir')

    // The emptied overlay keeps working on top of the new lower layer.
    await overlay.unlink('/src/a.ts')
    expect(await overlay.changes()).toEqual([{ path: '/src/a.ts', kind: 'deleted' }])
    expect(text(await lower.readFile('/src/a.ts'))).toBe('A')
  })

  it('discards every change, showing the lower layer again', async () => {
    const lower = await project()
    const before = await snapshot(lower)
    const overlay = await createOverlay({ lower, upper: Tree.memory() })
    await overlay.writeFile('/src/a.ts', bytes('A'))
    await overlay.unlink('/src/lib/util.ts')
    await overlay.rmdir('/src/lib')
    await overlay.mkdir('/src/lib')
    await overlay.writeFile('/new', bytes('n'))
    await overlay.discard()
    expect(await snapshot(overlay)).toEqual(before)
    expect(await snapshot(lower)).toEqual(before)
    expect(await overlay.changes()).toEqual([])
  })

  it('keeps deletions across re-creating the overlay on the same upper layer', async () => {
    const lower = await project()
    const upper = Tree.memory()
    const first = await createOverlay({ lower, upper })
    await first.unlink('/src/a.ts')
    await first.unlink('/src/lib/util.ts')
    await first.rmdir('/src/lib')
    await first.writeFile('/src/b.ts', bytes('B'))

    const again = await createOverlay({ lower, upper })
    expect(await again.readdir('/src')).toEqual(['b.ts'])
    expect(await codeOf(again.stat('/src/a.ts'))).toBe('ENOENT')
    expect(text(await again.readFile('/src/b.ts'))).toBe('B')
    expect(await again.changes()).toEqual(await first.changes())
    expect(await lower.readdir('/src')).toEqual(['a.ts', 'b.ts', 'lib'])
  })

  it('never shows or lets anyone write its whiteout file', async () => {
    const lower = await project()
    const upper = Tree.memory()
    const overlay = await createOverlay({ lower, upper })
    await overlay.unlink('/src/a.ts')
    expect(await exists(upper, WHITEOUTS)).toBe(true)

    expect(await overlay.readdir('/')).not.toContain(WHITEOUTS.slice(1))
    expect(await codeOf(overlay.readFile(WHITEOUTS))).toMatch(/EACCES|ENOENT/)
    expect(await codeOf(overlay.stat(WHITEOUTS))).toMatch(/EACCES|ENOENT/)
    expect(await codeOf(overlay.writeFile(WHITEOUTS, bytes('[]')))).toBe('EACCES')
    expect(await codeOf(overlay.writeFile('/src/..' + WHITEOUTS, bytes('[]')))).toBe('EACCES')
    expect(await codeOf(overlay.unlink(WHITEOUTS))).toBe('EACCES')
    expect(await codeOf(overlay.mkdir(WHITEOUTS))).toBe('EACCES')
    expect(await codeOf(overlay.rename('/README.md', WHITEOUTS))).toBe('EACCES')

    // Nor through a symbolic link pointing at it (absolute, relative, or via a linked directory).
    await overlay.symlink(WHITEOUTS, '/abs')
    await overlay.symlink('..' + WHITEOUTS, '/src/rel')
    await overlay.symlink('/', '/rootlink')
    for (const path of ['/abs', '/src/rel', '/rootlink' + WHITEOUTS]) {
      expect(await codeOf(overlay.readFile(path)), path).toMatch(/EACCES|ENOENT/)
      expect(await codeOf(overlay.writeFile(path, bytes('["/src/b.ts"]'))), path).toMatch(/EACCES|ENOENT/)
    }
    expect(await walkFiles(overlay, '/')).not.toContain(WHITEOUTS)
    expect(await overlay.changes()).toEqual([{ path: '/src/a.ts', kind: 'deleted' }].concat(['/abs', '/rootlink', '/src/rel'].map((path) => ({ path, kind: 'added' }))).sort((x, y) => (x.path < y.path ? -1 : 1)))

    // The recorded deletions are intact: a fresh overlay on the same upper still hides only a.ts.
    const again = await createOverlay({ lower, upper })
    expect(await again.readdir('/src')).toEqual(['b.ts', 'lib', 'rel'])
  })

  it('follows a symlink into the lower layer and writes through it', async () => {
    const lower = await project()
    await lower.symlink('src/lib', '/liblink')
    const overlay = await createOverlay({ lower, upper: Tree.memory() })
    await overlay.symlink('/src', '/srclink')

    // A link made in the overlay reaches a directory that only the lower layer holds.
    expect(text(await overlay.readFile('/srclink/a.ts'))).toBe('a')
    expect(await overlay.readdir('/srclink')).toEqual(['a.ts', 'b.ts', 'lib'])

    // Writing through a lower link lands in the linked directory and keeps the link a link.
    await overlay.writeFile('/liblink/new.ts', bytes('new'))
    expect((await overlay.lstat('/liblink')).type).toBe('symlink')
    expect(text(await overlay.readFile('/src/lib/new.ts'))).toBe('new')
    expect(await overlay.changes()).toEqual([
      { path: '/src/lib/new.ts', kind: 'added' },
      { path: '/srclink', kind: 'added' },
    ])
    await overlay.commit()
    expect((await lower.lstat('/liblink')).type).toBe('symlink')
    expect(await lower.readdir('/src/lib')).toEqual(['new.ts', 'util.ts'])
  })

  it('keeps two overlays on one lower layer apart', async () => {
    const lower = await project()
    const one = await createOverlay({ lower, upper: Tree.memory() })
    const two = await createOverlay({ lower, upper: Tree.memory() })
    await one.writeFile('/src/a.ts', bytes('one'))
    await one.unlink('/src/b.ts')
    await two.writeFile('/src/a.ts', bytes('two'))
    await two.writeFile('/two-only', bytes('2'))

    expect(text(await one.readFile('/src/a.ts'))).toBe('one')
    expect(text(await two.readFile('/src/a.ts'))).toBe('two')
    expect(await one.readdir('/src')).toEqual(['a.ts', 'lib'])
    expect(await two.readdir('/src')).toEqual(['a.ts', 'b.ts', 'lib'])
    expect(await codeOf(one.stat('/two-only'))).toBe('ENOENT')

    await one.commit()
    expect(text(await lower.readFile('/src/a.ts'))).toBe('one')
    // The other overlay still sees its own edit over the new lower layer, and the deletion shows through.
    expect(text(await two.readFile('/src/a.ts'))).toBe('two')
    expect(await two.readdir('/src')).toEqual(['a.ts', 'lib'])
    expect(await two.changes()).toEqual([
      { path: '/src/a.ts', kind: 'modified' },
      { path: '/two-only', kind: 'added' },
    ])
  })
})
