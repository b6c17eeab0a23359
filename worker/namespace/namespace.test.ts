import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { createNamespace, type FileService } from '../../shared/namespace'
import { createFsAdapter } from './fs-adapter'
import { Tree } from './tree'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

/** The AppError `p` rejects with (fails the test when it resolves or throws anything else). */
async function failure(p: Promise<unknown>): Promise<AppError> {
  const outcome = await p.then(
    () => 'resolved',
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(AppError)
  return outcome as AppError
}

/** A namespace over two memory services at /workspace and /tmp, with nothing at the root. */
function twoMounts() {
  const workspace = Tree.memory()
  const tmp = Tree.memory()
  const ns = createNamespace([
    { path: '/workspace', service: workspace },
    { path: '/tmp', service: tmp },
  ])
  return { ns, workspace, tmp }
}

/** True when `service` holds a file at `path`. */
async function holds(service: FileService, path: string): Promise<boolean> {
  return service.lstat(path).then(
    () => true,
    () => false,
  )
}

describe('namespace mount table', () => {
  it('sends a path to the longest mount prefix that covers it', async () => {
    const cap = Tree.memory()
    const github = Tree.memory()
    const ns = createNamespace([
      { path: '/cap', service: cap },
      { path: '/cap/github', service: github },
    ])
    await ns.writeFile('/cap/github/token', bytes('gh'))
    await ns.writeFile('/cap/other', bytes('other'))
    await ns.mkdir('/cap/githubber')
    await ns.writeFile('/cap/githubber/x', bytes('x'))

    expect(await github.readdir('/')).toEqual(['token'])
    expect(text(await github.readFile('/token'))).toBe('gh')
    // A name that merely starts with the mount's name is not inside it.
    expect(await cap.readdir('/')).toEqual(['githubber', 'other'])
    expect(await holds(cap, '/github/token')).toBe(false)
    expect(ns.resolve('/cap/github/token')?.mount.service).toBe(github)
    expect(ns.resolve('/cap/github/token')?.path).toBe('/token')
    expect(ns.resolve('/cap/githubber')?.mount.service).toBe(cap)
    // The parent mount lists the nested mount point beside its own entries.
    expect(await ns.readdir('/cap')).toEqual(['github', 'githubber', 'other'])
  })

  it('lists mount points at the root and makes the directories above them exist', async () => {
    const ns = createNamespace([
      { path: '/workspace', service: Tree.memory() },
      { path: '/tmp', service: Tree.memory() },
      { path: '/cap/github', service: Tree.memory() },
    ])
    expect(await ns.readdir('/')).toEqual(['cap', 'tmp', 'workspace'])
    expect(await ns.readdir('/cap')).toEqual(['github'])
    expect((await ns.stat('/')).type).toBe('dir')
    expect((await ns.stat('/cap')).type).toBe('dir')
    expect((await ns.lstat('/cap')).type).toBe('dir')
    expect((await ns.stat('/cap/github')).type).toBe('dir')
    expect((await failure(ns.stat('/nowhere'))).code).toBe('ENOENT')
    expect((await failure(ns.readdir('/nowhere'))).code).toBe('ENOENT')
  })

  it('keeps directories above a nested mount even when a root mount lacks them', async () => {
    const root = Tree.memory()
    const ns = createNamespace([
      { path: '/', service: root },
      { path: '/cap/github', service: Tree.memory() },
    ])
    await ns.writeFile('/README', bytes('r'))
    expect(await ns.readdir('/')).toEqual(['README', 'cap'])
    // readdir('/') names 'cap', so it must be a directory one can stat and list.
    expect((await ns.stat('/cap')).type).toBe('dir')
    expect(await ns.readdir('/cap')).toEqual(['github'])
    await ns.writeFile('/cap/github/token', bytes('t'))
    expect(text(await ns.readFile('/cap/github/token'))).toBe('t')
  })

  it('refuses every write to a read-only mount with EROFS naming the mount', async () => {
    const task = Tree.memory()
    await task.mkdir('/d')
    await task.writeFile('/d/brief.md', bytes('do it'))
    await task.writeFile('/f', bytes('f'))
    const ns = createNamespace([
      { path: '/task', service: task, readOnly: true },
      { path: '/workspace', service: Tree.memory() },
    ])
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['writeFile', () => ns.writeFile('/task/d/brief.md', bytes('changed'))],
      ['writeFile new', () => ns.writeFile('/task/new', bytes('n'))],
      ['mkdir', () => ns.mkdir('/task/e')],
      ['unlink', () => ns.unlink('/task/f')],
      ['rmdir', () => ns.rmdir('/task/d')],
      ['rename', () => ns.rename('/task/f', '/task/g')],
      ['symlink', () => ns.symlink('/task/f', '/task/link')],
    ]
    for (const [op, attempt] of attempts) {
      const error = await failure(attempt())
      expect(error.code, op).toBe('EROFS')
      expect(error.message, op).toContain('/task')
    }
    // Reads still work and nothing changed underneath.
    expect(text(await ns.readFile('/task/d/brief.md'))).toBe('do it')
    expect(await task.readdir('/')).toEqual(['d', 'f'])
    expect(await ns.readdir('/task/d')).toEqual(['brief.md'])
  })

  it('treats a service that calls itself read-only as a read-only mount', async () => {
    const inner = Tree.memory()
    const readOnlyService: FileService = Object.assign(Object.create(inner) as FileService, { readOnly: true })
    const ns = createNamespace([{ path: '/logs', service: readOnlyService }])
    expect(ns.mounts[0].readOnly).toBe(true)
    expect((await failure(ns.writeFile('/logs/x', bytes('x')))).code).toBe('EROFS')
  })

  it('refuses a rename across two mounts with EXDEV and moves nothing', async () => {
    const { ns, workspace, tmp } = twoMounts()
    await ns.writeFile('/workspace/a.txt', bytes('a'))
    const error = await failure(ns.rename('/workspace/a.txt', '/tmp/a.txt'))
    expect(error.code).toBe('EXDEV')
    expect(error.message).toContain('/workspace/a.txt')
    expect(error.message).toContain('/tmp/a.txt')
    expect(await workspace.readdir('/')).toEqual(['a.txt'])
    expect(await tmp.readdir('/')).toEqual([])
  })

  it('keeps escape attempts inside the mount their normalised path names', async () => {
    const { ns, workspace, tmp } = twoMounts()
    await tmp.writeFile('/secret', bytes('tmp data'))

    // `..` can only climb to the namespace root, which no mount covers here.
    expect((await failure(ns.readFile('/workspace/../../etc/passwd'))).code).toBe('ENOENT')
    expect((await failure(ns.writeFile('/workspace/../../etc/passwd', bytes('x')))).code).toBe('EACCES')

    // Encoded separators are just characters in a name: the file stays in /workspace.
    await ns.writeFile('/workspace/..%2f..%2ftmp%2fsecret', bytes('literal'))
    expect(await workspace.readdir('/')).toEqual(['..%2f..%2ftmp%2fsecret'])
    expect(text(await tmp.readFile('/secret'))).toBe('tmp data')

    // Repeated slashes and `..` are normalised before the mount is chosen: this names /tmp/x.
    await ns.writeFile('//workspace//../tmp/x', bytes('via tmp'))
    expect(text(await tmp.readFile('/x'))).toBe('via tmp')
    expect(await holds(workspace, '/x')).toBe(false)
    expect(await holds(workspace, '/tmp/x')).toBe(false)

    // Backslashes count as separators, consistently for resolve() and for the write itself.
    const sneaky = '\\workspace\\..\\tmp\\y'
    expect(ns.resolve(sneaky)?.mount.service).toBe(tmp)
    await ns.writeFile(sneaky, bytes('y'))
    expect(text(await tmp.readFile('/y'))).toBe('y')
    expect(await workspace.readdir('/')).toEqual(['..%2f..%2ftmp%2fsecret'])

    // NUL bytes are refused before anything is resolved.
    expect((await failure(ns.readFile('/workspace/a\0/../../tmp/secret'))).code).toBe('EINVAL')
    expect((await failure(ns.writeFile('/tmp/secret\0', bytes('x')))).code).toBe('EINVAL')
    expect(text(await tmp.readFile('/secret'))).toBe('tmp data')
  })

  it('never lets a symlink in one mount reach another mount', async () => {
    const { ns, workspace, tmp } = twoMounts()
    await tmp.writeFile('/secret', bytes('tmp data'))
    await ns.symlink('/tmp/secret', '/workspace/abs')
    await ns.symlink('../../tmp/secret', '/workspace/rel')
    // Link targets resolve inside the service that holds the link.
    expect((await failure(ns.readFile('/workspace/abs'))).code).toBe('ENOENT')
    expect((await failure(ns.readFile('/workspace/rel'))).code).toBe('ENOENT')
    await ns.writeFile('/workspace/abs', bytes('overwrite?')).catch(() => undefined)
    expect(text(await tmp.readFile('/secret'))).toBe('tmp data')
    expect(await tmp.readdir('/')).toEqual(['secret'])
    expect(await workspace.readdir('/')).toContain('abs')
  })

  it('reports errors with the namespace path, not the service path', async () => {
    const { ns } = twoMounts()
    await ns.mkdir('/workspace/d')
    await ns.writeFile('/workspace/d/f', bytes('f'))
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => ns.readFile('/workspace/missing'), 'ENOENT', '/workspace/missing'],
      [() => ns.stat('/workspace/d/missing'), 'ENOENT', '/workspace/d/missing'],
      [() => ns.readdir('/workspace/d/f'), 'ENOTDIR', '/workspace/d/f'],
      [() => ns.mkdir('/workspace/d'), 'EEXIST', '/workspace/d'],
      [() => ns.rmdir('/workspace/d'), 'ENOTEMPTY', '/workspace/d'],
      [() => ns.unlink('/tmp/nothing'), 'ENOENT', '/tmp/nothing'],
    ]
    for (const [attempt, code, path] of cases) {
      const error = await failure(attempt())
      expect(error.code).toBe(code)
      expect(error.path).toBe(path)
      expect(error.message).toContain(`'${path}'`)
    }
  })

  it('refuses writes outside every mount with EACCES', async () => {
    const { ns } = twoMounts()
    for (const attempt of [() => ns.writeFile('/etc/passwd', bytes('x')), () => ns.mkdir('/home'), () => ns.symlink('/workspace', '/w')]) {
      const error = await failure(attempt())
      expect(error.code).toBe('EACCES')
    }
    expect(await ns.readdir('/')).toEqual(['tmp', 'workspace'])
  })

  it('refuses to remove or move a mount point', async () => {
    const root = Tree.memory()
    const workspace = Tree.memory()
    const ns = createNamespace([
      { path: '/', service: root },
      { path: '/workspace', service: workspace },
      { path: '/cap/github', service: Tree.memory() },
    ])
    await ns.writeFile('/workspace/a', bytes('a'))
    await ns.mkdir('/other')
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['rmdir mount', () => ns.rmdir('/workspace')],
      ['unlink mount', () => ns.unlink('/workspace')],
      ['move mount', () => ns.rename('/workspace', '/moved')],
      ['move onto mount', () => ns.rename('/other', '/workspace')],
      ['rmdir root', () => ns.rmdir('/')],
      ['move root', () => ns.rename('/', '/x')],
      // /cap holds the /cap/github mount point, so it goes only with it.
      ['rmdir above mount', () => ns.rmdir('/cap')],
      ['move above mount', () => ns.rename('/cap', '/hat')],
      ['replace above mount', () => ns.rename('/other', '/cap')],
    ]
    for (const [what, attempt] of attempts) {
      expect(['EACCES', 'EXDEV', 'EISDIR'], what).toContain((await failure(attempt())).code)
    }
    expect(await ns.readdir('/')).toEqual(['cap', 'other', 'workspace'])
    expect(await ns.readdir('/cap')).toEqual(['github'])
    expect(text(await ns.readFile('/workspace/a'))).toBe('a')
  })

  it('refuses two mounts at one path, however it is spelled', () => {
    const a = Tree.memory()
    const b = Tree.memory()
    expect(() => createNamespace([{ path: '/workspace', service: a }, { path: '/workspace/', service: b }])).toThrow(AppError)
    expect(() => createNamespace([{ path: '/tmp', service: a }, { path: '//tmp/./x/..', service: b }])).toThrow(/two mounts at '\/tmp'/)
  })

  it('rolls back every mount when a batch across two mounts throws', async () => {
    const { ns, workspace, tmp } = twoMounts()
    await ns.writeFile('/workspace/keep', bytes('old'))
    await ns.writeFile('/tmp/keep', bytes('old'))
    const attempt = ns.batch(async () => {
      await ns.writeFile('/workspace/keep', bytes('new'))
      await ns.writeFile('/workspace/added', bytes('+'))
      await ns.unlink('/tmp/keep')
      await ns.mkdir('/tmp/dir')
      throw new Error('boom')
    })
    await expect(attempt).rejects.toThrow('boom')
    expect(await workspace.readdir('/')).toEqual(['keep'])
    expect(text(await workspace.readFile('/keep'))).toBe('old')
    expect(await tmp.readdir('/')).toEqual(['keep'])
    expect(text(await tmp.readFile('/keep'))).toBe('old')

    // A batch that resolves lands on both.
    expect(
      await ns.batch(async () => {
        await ns.writeFile('/workspace/keep', bytes('new'))
        await ns.writeFile('/tmp/keep', bytes('new'))
        return 'done'
      }),
    ).toBe('done')
    expect(text(await workspace.readFile('/keep'))).toBe('new')
    expect(text(await tmp.readFile('/keep'))).toBe('new')
  })
})

describe('fs adapter over a namespace', () => {
  it('answers isomorphic-git-style calls', async () => {
    const { ns, workspace } = twoMounts()
    const fs = createFsAdapter(ns).promises
    await fs.mkdir('/workspace/.git')
    await fs.writeFile('/workspace/.git/HEAD', 'ref: refs/heads/main\n', 'utf8')
    expect(await fs.readFile('/workspace/.git/HEAD', 'utf8')).toBe('ref: refs/heads/main\n')
    expect(await fs.readFile('/workspace/.git/HEAD', { encoding: 'utf8' })).toBe('ref: refs/heads/main\n')
    const raw = await fs.readFile('/workspace/.git/HEAD')
    expect(raw).toBeInstanceOf(Uint8Array)
    expect(text(raw as Uint8Array)).toBe('ref: refs/heads/main\n')
    expect(text(await workspace.readFile('/.git/HEAD'))).toBe('ref: refs/heads/main\n')

    const dir = await fs.stat('/workspace/.git')
    expect(dir.isDirectory()).toBe(true)
    expect(dir.isFile()).toBe(false)
    const file = await fs.stat('/workspace/.git/HEAD')
    expect(file.isFile()).toBe(true)
    expect(file.isDirectory()).toBe(false)
    expect(file.size).toBe(21)
    expect((await fs.stat('/')).isDirectory()).toBe(true)

    await fs.symlink('HEAD', '/workspace/.git/link')
    expect((await fs.lstat('/workspace/.git/link')).isSymbolicLink()).toBe(true)
    expect((await fs.stat('/workspace/.git/link')).isFile()).toBe(true)

    await fs.writeFile('/workspace/run.sh', 'echo hi', { mode: 0o755 })
    expect((await fs.stat('/workspace/run.sh')).mode).toBe(0o100755)
    await fs.chmod('/workspace/run.sh', 0o644)
    expect((await fs.stat('/workspace/run.sh')).mode).toBe(0o100644)
    expect(await fs.readFile('/workspace/run.sh', 'utf8')).toBe('echo hi')

    // isomorphic-git branches on `code`, and reports `path`.
    const missing = await failure(fs.readFile('/workspace/.git/config', 'utf8'))
    expect(missing.code).toBe('ENOENT')
    expect(missing.path).toBe('/workspace/.git/config')
    expect((await failure(fs.mkdir('/workspace/.git'))).code).toBe('EEXIST')
  })
})
