import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import type { FileService } from '../../shared/namespace'

/** What the contract needs from a backend under test. */
export interface ServiceFixture {
  service: FileService
  /** Opens the same storage anew (as a reloaded tab would), when the backend persists. */
  reopen?: () => Promise<FileService>
}

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return (error as AppError).code
  }
  return 'resolved'
}

/**
 * The one contract every file service must meet. Runs in Node and in Chromium.
 * `make` returns a fresh, empty service each time.
 */
export function describeFileServiceContract(name: string, make: () => Promise<ServiceFixture>): void {
  describe(`FileService contract: ${name}`, () => {
    it('writes and reads back bytes, keeping its own copy', async () => {
      const { service } = await make()
      const data = bytes('hello')
      await service.writeFile('/a.txt', data)
      data[0] = 0x4a
      expect(text(await service.readFile('/a.txt'))).toBe('hello')
      const read = await service.readFile('/a.txt')
      read[0] = 0x4a
      expect(text(await service.readFile('/a.txt'))).toBe('hello')
      expect((await service.stat('/a.txt')).size).toBe(5)
    })

    it('refuses what POSIX refuses, with the codes git expects', async () => {
      const { service } = await make()
      await service.mkdir('/d')
      await service.writeFile('/d/f', bytes('x'))
      expect(await codeOf(service.readFile('/missing'))).toBe('ENOENT')
      expect(await codeOf(service.readFile('/d'))).toBe('EISDIR')
      expect(await codeOf(service.writeFile('/nope/f', bytes('x')))).toBe('ENOENT')
      expect(await codeOf(service.writeFile('/d/f/g', bytes('x')))).toBe('ENOTDIR')
      expect(await codeOf(service.writeFile('/d', bytes('x')))).toBe('EISDIR')
      expect(await codeOf(service.mkdir('/d'))).toBe('EEXIST')
      expect(await codeOf(service.mkdir('/d/f'))).toBe('EEXIST')
      expect(await codeOf(service.readdir('/d/f'))).toBe('ENOTDIR')
      expect(await codeOf(service.unlink('/d'))).toBe('EISDIR')
      expect(await codeOf(service.rmdir('/d'))).toBe('ENOTEMPTY')
      expect(await codeOf(service.rmdir('/d/f'))).toBe('ENOTDIR')
      expect(await codeOf(service.readlink('/d/f'))).toBe('EINVAL')
      expect(await codeOf(service.stat('/a\0b'))).toBe('EINVAL')
      const error = await service.readFile('/missing').catch((e: AppError) => e)
      expect((error as AppError).message).toContain("'/missing'")
    })

    it('lists directories sorted and reports types and modes', async () => {
      const { service } = await make()
      await service.mkdir('/src')
      await service.writeFile('/src/b.ts', bytes('b'))
      await service.writeFile('/src/a.ts', bytes('a'))
      await service.mkdir('/src/lib')
      await service.writeFile('/run.sh', bytes('#!/bin/sh'), { mode: 0o755 })
      expect(await service.readdir('/src')).toEqual(['a.ts', 'b.ts', 'lib'])
      expect((await service.stat('/src')).type).toBe('dir')
      expect((await service.stat('/src/a.ts')).type).toBe('file')
      expect((await service.stat('/run.sh')).mode).toBe(0o100755)
      expect((await service.stat('/src/a.ts')).mode).toBe(0o100644)
      // a rewrite keeps the mode unless told otherwise
      await service.writeFile('/run.sh', bytes('#!/bin/bash'))
      expect((await service.stat('/run.sh')).mode).toBe(0o100755)
    })

    it('changes mtime on every rewrite, even of the same size', async () => {
      const { service } = await make()
      await service.writeFile('/f', bytes('aaaa'))
      const first = await service.stat('/f')
      await service.writeFile('/f', bytes('bbbb'))
      const second = await service.stat('/f')
      expect(second.mtimeMs).toBeGreaterThan(first.mtimeMs)
      expect(text(await service.readFile('/f'))).toBe('bbbb')
    })

    it('normalises paths and never climbs above its root', async () => {
      const { service } = await make()
      await service.mkdir('/a')
      await service.writeFile('/a//b.txt', bytes('ok'))
      expect(text(await service.readFile('/a/./x/../b.txt'))).toBe('ok')
      expect(text(await service.readFile('/../../../a/b.txt'))).toBe('ok')
      await service.writeFile('/../../escape.txt', bytes('in'))
      expect(await service.readdir('/')).toContain('escape.txt')
      expect(await service.readdir('/..')).toEqual(await service.readdir('/'))
    })

    it('removes files and empty directories', async () => {
      const { service } = await make()
      await service.mkdir('/d')
      await service.writeFile('/d/f', bytes('x'))
      await service.unlink('/d/f')
      expect(await service.readdir('/d')).toEqual([])
      await service.rmdir('/d')
      expect(await codeOf(service.stat('/d'))).toBe('ENOENT')
      expect(await codeOf(service.unlink('/d'))).toBe('ENOENT')
    })

    it('renames files and whole directories', async () => {
      const { service } = await make()
      await service.mkdir('/src')
      await service.mkdir('/src/deep')
      await service.writeFile('/src/deep/x.ts', bytes('x'))
      await service.writeFile('/one', bytes('1'))
      await service.writeFile('/two', bytes('2'))
      await service.rename('/one', '/two')
      expect(text(await service.readFile('/two'))).toBe('1')
      expect(await codeOf(service.stat('/one'))).toBe('ENOENT')
      await service.rename('/src', '/lib')
      expect(text(await service.readFile('/lib/deep/x.ts'))).toBe('x')
      expect(await codeOf(service.stat('/src/deep/x.ts'))).toBe('ENOENT')
      expect(await codeOf(service.rename('/lib', '/lib/deep/inner'))).toBe('EINVAL')
      await service.mkdir('/full')
      await service.writeFile('/full/f', bytes('f'))
      expect(await codeOf(service.rename('/lib', '/full'))).toBe('ENOTEMPTY')
      expect(await codeOf(service.rename('/two', '/full'))).toBe('EISDIR')
      expect(await codeOf(service.rename('/nothing', '/x'))).toBe('ENOENT')
    })

    it('keeps symbolic links and follows them inside the service', async () => {
      const { service } = await make()
      await service.mkdir('/real')
      await service.writeFile('/real/file.txt', bytes('target'))
      await service.symlink('real/file.txt', '/link')
      await service.symlink('/real', '/dirlink')
      await service.symlink('../../../../real/file.txt', '/climb')
      expect(await service.readlink('/link')).toBe('real/file.txt')
      expect((await service.lstat('/link')).type).toBe('symlink')
      expect((await service.stat('/link')).type).toBe('file')
      expect(text(await service.readFile('/link'))).toBe('target')
      expect(text(await service.readFile('/dirlink/file.txt'))).toBe('target')
      expect(text(await service.readFile('/climb'))).toBe('target')
      expect(await codeOf(service.symlink('x', '/link'))).toBe('EEXIST')
      await service.unlink('/link')
      expect(text(await service.readFile('/real/file.txt'))).toBe('target')
    })

    it('lands a batch whole', async () => {
      const { service, reopen } = await make()
      await service.writeFile('/keep', bytes('old'))
      await service.batch(async () => {
        await service.mkdir('/b')
        for (let i = 0; i < 50; i++) await service.writeFile(`/b/${i}`, bytes(String(i)))
        await service.writeFile('/keep', bytes('new'))
      })
      const check = reopen ? await reopen() : service
      expect((await check.readdir('/b')).length).toBe(50)
      expect(text(await check.readFile('/b/49'))).toBe('49')
      expect(text(await check.readFile('/keep'))).toBe('new')
    })

    it('rolls a failed batch back completely', async () => {
      const { service, reopen } = await make()
      await service.mkdir('/src')
      await service.writeFile('/src/a', bytes('a'))
      await service.writeFile('/src/b', bytes('b'))
      const failure = service.batch(async () => {
        await service.writeFile('/src/a', bytes('changed'))
        await service.unlink('/src/b')
        await service.mkdir('/new')
        await service.writeFile('/new/c', bytes('c'))
        await service.rename('/src', '/moved')
        throw new Error('boom')
      })
      await expect(failure).rejects.toThrow('boom')
      for (const check of reopen ? [service, await reopen()] : [service]) {
        const top = await check.readdir('/')
        expect(top).toContain('src')
        expect(top).not.toContain('new')
        expect(top).not.toContain('moved')
        expect(await check.readdir('/src')).toEqual(['a', 'b'])
        expect(text(await check.readFile('/src/a'))).toBe('a')
        expect(text(await check.readFile('/src/b'))).toBe('b')
      }
    })

    it('keeps every one of many concurrent writes', async () => {
      const { service, reopen } = await make()
      await service.mkdir('/many')
      await Promise.all(Array.from({ length: 200 }, (_, i) => service.writeFile(`/many/${i}.txt`, bytes(`file ${i}`))))
      const check = reopen ? await reopen() : service
      const names = await check.readdir('/many')
      expect(names.length).toBe(200)
      expect(text(await check.readFile('/many/199.txt'))).toBe('file 199')
    })

    it('survives a reopen with everything that resolved', async () => {
      const { service, reopen } = await make()
      if (!reopen) return
      await service.mkdir('/p')
      await service.writeFile('/p/x', bytes('x'), { mode: 0o755 })
      await service.symlink('x', '/p/l')
      await service.rename('/p', '/q')
      await service.writeFile('/gone', bytes('g'))
      await service.unlink('/gone')
      const again = await reopen()
      const top = await again.readdir('/')
      expect(top).toContain('q')
      expect(top).not.toContain('p')
      expect(top).not.toContain('gone')
      expect(await again.readdir('/q')).toEqual(['l', 'x'])
      expect((await again.stat('/q/x')).mode).toBe(0o100755)
      expect(text(await again.readFile('/q/l'))).toBe('x')
    })
  })
}
