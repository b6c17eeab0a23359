import nodeFs from 'node:fs'
import os from 'node:os'
import nodePath from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createFsModule } from './fs'
import { createMemFs, type FsChange, type MemFsEntry } from './memfs'

const text = (s: string) => new TextEncoder().encode(s)

/** The same little tree on disk (for Node) and in memory (for us): d/f, f, l -> f. */
const real = nodeFs.mkdtempSync(nodePath.join(os.tmpdir(), 'memfs-'))
afterAll(() => nodeFs.rmSync(real, { recursive: true, force: true }))

function setupReal(): void {
  for (const name of nodeFs.readdirSync(real)) nodeFs.rmSync(nodePath.join(real, name), { recursive: true, force: true })
  nodeFs.mkdirSync(nodePath.join(real, 'd'))
  nodeFs.writeFileSync(nodePath.join(real, 'd/f'), 'in d')
  nodeFs.writeFileSync(nodePath.join(real, 'f'), 'hello')
  nodeFs.symlinkSync('f', nodePath.join(real, 'l'))
}

function setupOurs(extra: Partial<{ load(p: string): Uint8Array }> = {}) {
  const changes: FsChange[] = []
  const entries: MemFsEntry[] = [
    { path: '/workspace/d', type: 'dir', mode: 0o755, size: 0, mtimeMs: 1000 },
    { path: '/workspace/d/f', type: 'file', mode: 0o644, size: 4, mtimeMs: 1000, data: text('in d') },
    { path: '/workspace/f', type: 'file', mode: 0o644, size: 5, mtimeMs: 1000 },
    { path: '/workspace/l', type: 'symlink', mode: 0o777, size: 1, mtimeMs: 1000, target: 'f' },
  ]
  const loads: string[] = []
  const memfs = createMemFs({ entries, load: extra.load ?? ((p) => (loads.push(p), text('hello'))), onChange: (c) => changes.push(c) })
  const fs = createFsModule(memfs, { cwd: () => '/workspace' })
  return { memfs, fs, changes, loads }
}

function errorOf(fn: () => unknown) {
  try {
    fn()
  } catch (e) {
    const error = e as { code?: string; errno?: number; syscall?: string; message: string; path?: string; dest?: string }
    return { code: error.code, errno: error.errno, syscall: error.syscall, message: error.message, path: error.path, dest: error.dest }
  }
  return 'no error'
}

describe('fs errors match Node on the same tree', () => {
  let ours: ReturnType<typeof setupOurs>
  beforeEach(() => {
    setupReal()
    ours = setupOurs()
  })
  // Each call uses relative paths, so messages are comparable (cwd = the tree's root on both sides).
  const calls: Array<[string, (fs: any) => unknown]> = [
    ['readFile missing', (fs) => fs.readFileSync('nope')],
    ['readFile dir', (fs) => fs.readFileSync('d')],
    ['readFile file as dir', (fs) => fs.readFileSync('f/')],
    ['readFile under a file', (fs) => fs.readFileSync('f/x')],
    ['writeFile dir', (fs) => fs.writeFileSync('d', 'x')],
    ['writeFile missing parent', (fs) => fs.writeFileSync('nope/x', 'x')],
    ['writeFile wx existing', (fs) => fs.writeFileSync('f', 'x', { flag: 'wx' })],
    ['appendFile dir', (fs) => fs.appendFileSync('d', 'x')],
    ['stat missing', (fs) => fs.statSync('nope')],
    ['lstat missing', (fs) => fs.lstatSync('nope')],
    ['readdir file', (fs) => fs.readdirSync('f')],
    ['readdir missing', (fs) => fs.readdirSync('nope')],
    ['mkdir existing', (fs) => fs.mkdirSync('d')],
    ['mkdir missing parent', (fs) => fs.mkdirSync('a/b')],
    ['mkdir -p under file', (fs) => fs.mkdirSync('f/x', { recursive: true })],
    ['mkdir -p over file', (fs) => fs.mkdirSync('f', { recursive: true })],
    ['rmdir non-empty', (fs) => fs.rmdirSync('d')],
    ['rmdir file', (fs) => fs.rmdirSync('f')],
    ['rmdir missing', (fs) => fs.rmdirSync('nope')],
    ['unlink dir', (fs) => fs.unlinkSync('d')],
    ['unlink missing', (fs) => fs.unlinkSync('nope')],
    ['rm missing', (fs) => fs.rmSync('nope')],
    ['rm dir', (fs) => fs.rmSync('d')],
    ['rm under file', (fs) => fs.rmSync('f/x')],
    ['rename missing', (fs) => fs.renameSync('nope', 'x')],
    ['rename dir over file', (fs) => fs.renameSync('d', 'f')],
    ['rename file over dir', (fs) => fs.renameSync('f', 'd')],
    ['copyFile missing', (fs) => fs.copyFileSync('nope', 'x')],
    ['copyFile dir', (fs) => fs.copyFileSync('d', 'x')],
    ['copyFile excl', (fs) => fs.copyFileSync('f', 'd/f', nodeFs.constants.COPYFILE_EXCL)],
    ['symlink existing', (fs) => fs.symlinkSync('f', 'l')],
    ['readlink file', (fs) => fs.readlinkSync('f')],
    ['access missing', (fs) => fs.accessSync('nope')],
    ['open missing', (fs) => fs.openSync('nope')],
    ['open wx existing', (fs) => fs.openSync('f', 'wx')],
    ['mkdtemp missing', (fs) => fs.mkdtempSync('nope/x')],
    ['cp dir', (fs) => fs.cpSync('d', 'e')],
    ['utimes missing', (fs) => fs.utimesSync('nope', 1, 1)],
    ['chmod missing', (fs) => fs.chmodSync('nope', 0o644)],
    ['close bad fd', (fs) => fs.closeSync(999)],
  ]
  it.each(calls)('%s', (_name, call) => {
    const cwd = process.cwd()
    process.chdir(real)
    let theirs
    try {
      theirs = errorOf(() => call(nodeFs))
    } finally {
      process.chdir(cwd)
    }
    expect(errorOf(() => call(ours.fs))).toEqual(theirs)
  })

  it('realpath of a missing path reports the absolute path like Node', () => {
    const e = errorOf(() => ours.fs.realpathSync('nope/x'))
    expect(e).toMatchObject({ code: 'ENOENT', syscall: 'lstat', message: "ENOENT: no such file or directory, lstat '/workspace/nope'" })
  })
})

describe('fs over MemFs', () => {
  it('reads with encodings, loads lazily once, and follows symlinks', () => {
    const { fs, loads } = setupOurs()
    expect(fs.readFileSync('f', 'utf8')).toBe('hello')
    expect(fs.readFileSync('/workspace/l', { encoding: 'base64' })).toBe(Buffer.from('hello').toString('base64'))
    expect(fs.readFileSync(new URL('file:///workspace/f')).toString('hex')).toBe('68656c6c6f')
    expect(loads).toEqual(['/workspace/f'])
    expect(fs.realpathSync('l')).toBe('/workspace/f')
    expect(fs.readlinkSync('l')).toBe('f')
  })

  it('stats look like Node stats', () => {
    const { fs } = setupOurs()
    const st = fs.statSync('f')!
    expect([st.isFile(), st.isDirectory(), st.isSymbolicLink(), st.size, st.mode]).toEqual([true, false, false, 5, 0o100644])
    expect(st.mtime).toBeInstanceOf(Date)
    expect(st.mtimeMs).toBe(1000)
    expect(fs.lstatSync('l')!.isSymbolicLink()).toBe(true)
    expect(fs.statSync('d')!.mode).toBe(0o040755)
    expect(fs.statSync('nope', { throwIfNoEntry: false })).toBeUndefined()
    expect(fs.existsSync('nope')).toBe(false)
    expect(fs.existsSync('/tmp')).toBe(true)
  })

  it('reports every change in order', () => {
    const { fs, changes } = setupOurs()
    fs.writeFileSync('new.txt', 'a')
    fs.appendFileSync('new.txt', 'b')
    fs.mkdirSync('x/y', { recursive: true })
    fs.renameSync('new.txt', 'x/y/moved.txt')
    fs.symlinkSync('x', 'lx')
    fs.rmSync('x', { recursive: true })
    expect(changes.map((c) => ({ ...c, data: 'data' in c ? new TextDecoder().decode(c.data) : undefined }))).toEqual([
      { type: 'write', path: '/workspace/new.txt', data: 'a', mode: 0o100644 },
      { type: 'write', path: '/workspace/new.txt', data: 'ab', mode: 0o100644 },
      { type: 'mkdir', path: '/workspace/x', data: undefined },
      { type: 'mkdir', path: '/workspace/x/y', data: undefined },
      { type: 'rename', from: '/workspace/new.txt', to: '/workspace/x/y/moved.txt', data: undefined },
      { type: 'symlink', path: '/workspace/lx', target: 'x', data: undefined },
      { type: 'remove', path: '/workspace/x', data: undefined },
    ])
  })

  it('lists directories plainly, with types, and recursively', () => {
    const { fs } = setupOurs()
    fs.mkdirSync('d/sub')
    fs.writeFileSync('d/sub/z', '')
    expect(fs.readdirSync('.')).toEqual(['d', 'f', 'l'])
    const dirents = fs.readdirSync('d', { withFileTypes: true }) as Array<{ name: string; isDirectory(): boolean; parentPath: string }>
    expect(dirents.map((d) => [d.name, d.isDirectory(), d.parentPath])).toEqual([['f', false, 'd'], ['sub', true, 'd']])
    expect(fs.readdirSync('d', { recursive: true })).toEqual(['f', 'sub', 'sub/z'])
  })

  it('copies trees, makes temp dirs and removes with force', () => {
    const { fs } = setupOurs()
    fs.cpSync('d', 'd2', { recursive: true })
    expect(fs.readFileSync('d2/f', 'utf8')).toBe('in d')
    const tmp = fs.mkdtempSync('/tmp/x-')
    expect(tmp).toMatch(/^\/tmp\/x-[A-Za-z0-9]{6}$/)
    expect(fs.statSync(tmp)!.isDirectory()).toBe(true)
    fs.rmSync('nope', { force: true })
    fs.rmSync('d2', { recursive: true, force: true })
    expect(fs.existsSync('d2')).toBe(false)
  })

  it('works through file descriptors', () => {
    const { fs } = setupOurs()
    const fd = fs.openSync('fd.txt', 'w+')
    expect(fs.writeSync(fd, 'hello world')).toBe(11)
    fs.writeSync(fd, Buffer.from('W'), 0, 1, 6)
    const buf = Buffer.alloc(5)
    expect(fs.readSync(fd, buf, 0, 5, 6)).toBe(5)
    expect(buf.toString()).toBe('World')
    expect(fs.fstatSync(fd).size).toBe(11)
    fs.closeSync(fd)
    expect(fs.readFileSync('fd.txt', 'utf8')).toBe('hello World')
    const a = fs.openSync('fd.txt', 'a')
    fs.writeSync(a, '!')
    fs.closeSync(a)
    expect(fs.readFileSync('fd.txt', 'utf8')).toBe('hello World!')
  })

  it('has callback and promise forms', async () => {
    const { fs } = setupOurs()
    await fs.promises.writeFile('p.txt', 'promised')
    expect(await fs.promises.readFile('p.txt', 'utf8')).toBe('promised')
    await expect(fs.promises.readFile('nope')).rejects.toMatchObject({ code: 'ENOENT' })
    const value = await new Promise((resolve, reject) => fs.readFile('p.txt', 'utf8', (e: Error | null, v: string) => (e ? reject(e) : resolve(v))))
    expect(value).toBe('promised')
    const handle = await fs.promises.open('p.txt', 'r')
    expect((await handle.readFile('utf8'))).toBe('promised')
    await handle.close()
    expect(await new Promise((resolve) => fs.exists('p.txt', resolve))).toBe(true)
  })

  it('streams files in and out', async () => {
    const { fs } = setupOurs()
    const out = fs.createWriteStream('s.txt')
    out.write('one ')
    out.end('two', () => {})
    await new Promise((resolve) => out.on('finish', resolve))
    const chunks: string[] = []
    const input = fs.createReadStream('s.txt', { encoding: 'utf8', highWaterMark: 3 })
    for await (const chunk of input) chunks.push(chunk as string)
    expect(chunks.join('')).toBe('one two')
    expect(chunks.length).toBeGreaterThan(1)
    const missing = fs.createReadStream('nope')
    await expect(new Promise((_, reject) => missing.on('error', reject))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' })
  })

  it('refuses fs.watch with a clear error', () => {
    const { fs } = setupOurs()
    expect(() => fs.watch('f')).toThrow(/not supported in the embedded runtime/)
  })

  it('has /, /workspace and /tmp, and no other roots', () => {
    const memfs = createMemFs({ entries: [] })
    expect(memfs.readdir('/')).toEqual(['tmp', 'workspace'])
    expect(() => memfs.readdir('/home')).toThrow("ENOENT: no such file or directory, scandir '/home'")
  })
})
