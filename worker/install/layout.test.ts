import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { binLinks, installScriptsOf, needsNativeBuild, platformAllows } from '.'

describe('binLinks', () => {
  it('links top-level bins into node_modules/.bin and nested ones into their parent’s', () => {
    expect(
      binLinks([
        { path: 'node_modules/vitest', name: 'vitest', bin: { vitest: './vitest.mjs' } },
        { path: 'node_modules/@acme/cli', name: '@acme/cli', bin: 'bin/cli.js' },
        { path: 'node_modules/a/node_modules/x', name: 'x', bin: { x: 'x.js', 'x-alt': 'lib\\alt.js' } },
        { path: 'node_modules/a/node_modules/@s/y', name: '@s/y', bin: { y: 'y.js' } },
        { path: 'packages/w/node_modules/tool', name: 'tool', bin: 'tool.js' },
        { path: 'node_modules/nobin', name: 'nobin', bin: undefined },
        { path: 'node_modules/junk', name: 'junk', bin: { empty: '', num: 3 as unknown as string } },
      ]),
    ).toEqual([
      { link: 'node_modules/.bin/cli', target: '../@acme/cli/bin/cli.js' },
      { link: 'node_modules/.bin/vitest', target: '../vitest/vitest.mjs' },
      { link: 'node_modules/a/node_modules/.bin/x', target: '../x/x.js' },
      { link: 'node_modules/a/node_modules/.bin/x-alt', target: '../x/lib/alt.js' },
      { link: 'node_modules/a/node_modules/.bin/y', target: '../@s/y/y.js' },
      { link: 'packages/w/node_modules/.bin/tool', target: '../tool/tool.js' },
    ])
  })

  it('gives a contested name to the package of that name, else to the first by path', () => {
    const links = binLinks([
      { path: 'node_modules/aaa', name: 'aaa', bin: { zzz: 'fake-zzz.js', shared: 'a.js' } },
      { path: 'node_modules/zzz', name: 'zzz', bin: { zzz: 'bin/zzz', shared: 'z.js' } },
    ])
    expect(links.find((l) => l.link === 'node_modules/.bin/zzz')?.target).toBe('../zzz/bin/zzz')
    expect(links.find((l) => l.link === 'node_modules/.bin/shared')?.target).toBe('../aaa/a.js')
  })

  it('refuses bin names and targets that escape', () => {
    const cases: Array<Record<string, string>> = [{ '../evil': 'x.js' }, { 'a/b': 'x.js' }, { '..': 'x.js' }, { ok: '../../outside.js' }, { ok: '/etc/passwd' }, { ok: 'lib\\..\\..\\x' }, { 'a\\b': 'x.js' }]
    for (const bin of cases) {
      try {
        binLinks([{ path: 'node_modules/p', name: 'p', bin }])
        throw new Error(`accepted ${JSON.stringify(bin)}`)
      } catch (error) {
        expect(error).toBeInstanceOf(AppError)
        expect((error as AppError).code).toBe('UNSAFE_PACKAGE')
      }
    }
  })
})

describe('install scripts and native builds', () => {
  it('lists lifecycle scripts in order', () => {
    expect(installScriptsOf({ scripts: { postinstall: 'node x', test: 'vitest', preinstall: 'echo' } })).toEqual(['preinstall', 'postinstall'])
    expect(installScriptsOf({ scripts: { build: 'tsc' } })).toEqual([])
    expect(installScriptsOf({})).toEqual([])
    expect(installScriptsOf(null)).toEqual([])
  })

  it('treats binding.gyp without an install script as node-gyp rebuild', () => {
    expect(installScriptsOf({}, ['binding.gyp', 'src/addon.cc'])).toEqual(['install'])
    expect(installScriptsOf({ scripts: { postinstall: 'x' } }, ['binding.gyp'])).toEqual(['install', 'postinstall'])
    expect(installScriptsOf({ gypfile: false }, ['binding.gyp'])).toEqual([])
    expect(installScriptsOf({}, ['deps/binding.gyp'])).toEqual([])
    expect(needsNativeBuild({}, ['binding.gyp'])).toBe(true)
    expect(needsNativeBuild({ scripts: { install: 'prebuild-install || node-gyp rebuild' } }, ['index.js'])).toBe(true)
    expect(needsNativeBuild({ scripts: { install: 'node-gyp-build' } }, [])).toBe(true)
    expect(needsNativeBuild({}, ['build/Release/addon.node'])).toBe(true)
    expect(needsNativeBuild({ scripts: { postinstall: 'node ./print-thanks.js' } }, ['index.js', 'print-thanks.js'])).toBe(false)
  })
})

describe('platformAllows', () => {
  it('follows npm’s os/cpu rules', () => {
    const linux = { os: 'linux', cpu: 'x64' }
    expect(platformAllows({}, linux)).toBe(true)
    expect(platformAllows({ os: ['darwin'] }, linux)).toBe(false)
    expect(platformAllows({ os: ['darwin', 'linux'], cpu: ['arm64'] }, linux)).toBe(false)
    expect(platformAllows({ os: ['!win32'] }, linux)).toBe(true)
    expect(platformAllows({ os: ['!linux'] }, linux)).toBe(false)
    expect(platformAllows({ cpu: 'any' }, linux)).toBe(true)
    expect(platformAllows({ os: ['linux'], libc: ['musl'] }, { ...linux, libc: 'glibc' })).toBe(false)
    expect(platformAllows({ os: ['linux'], libc: ['glibc'] }, { ...linux, libc: 'glibc' })).toBe(true)
    expect(platformAllows({ libc: ['glibc'] }, linux)).toBe(false)
    expect(platformAllows({ libc: ['glibc'] }, { os: 'darwin', cpu: 'arm64', libc: 'glibc' })).toBe(false)
  })
})
