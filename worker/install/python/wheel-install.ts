import { AppError } from '../../../shared/errors'
import { joinPath, normalizePath } from '../../../shared/namespace'
import type { UnzippedFile } from '../../archive'
import { normalizeName } from './requirement'
import { parseMetadata, type DistMetadata } from './wheel'
import type { PythonTarget } from './environment'

/** A file an install writes: an absolute path inside the virtual environment. */
export interface InstallFile {
  path: string
  data: Uint8Array
  mode: number
}

/** What installing one wheel writes. */
export interface WheelInstall {
  files: InstallFile[]
  /** `…/site-packages/<name>-<version>.dist-info`. */
  distInfo: string
  metadata: DistMetadata
  /** Commands put in the environment's `bin/` (console scripts and the wheel's own scripts). */
  scripts: string[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Lays out a wheel's files as pip installs them into `target`'s site-packages: the `.data/purelib`
 * and `.data/platlib` folders merged in, `.data/scripts` and console scripts (entry_points.txt)
 * put in `bin/` with a shebang for the environment's python, `.data/data` and `.data/headers`
 * where their schemes say. Every file the wheel's RECORD hashes is checked against it; RECORD is
 * written anew (paths as installed), with INSTALLER (`coder`) and, for a package asked for by
 * name, REQUESTED. Throws BAD_INPUT for a wheel that is not well formed or whose files do not
 * match its RECORD, naming `filename`.
 */
export async function layoutWheel(entries: readonly UnzippedFile[], filename: string, target: PythonTarget, options: { requested?: boolean } = {}): Promise<WheelInstall> {
  const bad = (why: string) => new AppError('BAD_INPUT', `${filename} is not a valid wheel: ${why}`, { filename })
  const distInfoDirs = [...new Set(entries.map((e) => e.path.split('/')[0]!).filter((top) => top.endsWith('.dist-info')))]
  if (distInfoDirs.length !== 1) throw bad(distInfoDirs.length ? `it has ${distInfoDirs.length} .dist-info folders` : 'it has no .dist-info folder')
  const distInfoName = distInfoDirs[0]!
  const metadataFile = entries.find((e) => e.path === `${distInfoName}/METADATA`)
  if (!metadataFile) throw bad(`${distInfoName}/METADATA is missing`)
  const metadata = parseMetadata(decoder.decode(metadataFile.data))
  const wheelFile = entries.find((e) => e.path === `${distInfoName}/WHEEL`)
  if (!wheelFile) throw bad(`${distInfoName}/WHEEL is missing`)
  const wheelVersion = parseMetadata(decoder.decode(wheelFile.data)).headers['wheel-version']?.[0] ?? ''
  if (!/^1(\.|$)/.test(wheelVersion)) throw bad(`its Wheel-Version is "${wheelVersion}"; only 1.x can be installed`)
  const stem = distInfoName.slice(0, -'.dist-info'.length)
  if (normalizeName(stem.slice(0, stem.lastIndexOf('-'))) !== normalizeName(metadata.name)) throw bad(`its folder ${distInfoName} does not match its METADATA name "${metadata.name}"`)

  const recorded = new Map<string, string>()
  const recordFile = entries.find((e) => e.path === `${distInfoName}/RECORD`)
  if (recordFile) for (const [path, hash] of parseRecord(decoder.decode(recordFile.data))) if (hash) recorded.set(path, hash)
  const dataDir = `${stem}.data/`
  const site = target.sitePackages
  const bin = `${target.venv}/bin`
  const [major, minor] = target.pythonVersion.split('.')
  const files: InstallFile[] = []
  const scripts: string[] = []
  for (const entry of entries) {
    if (entry.path === `${distInfoName}/RECORD` || entry.path === `${distInfoName}/RECORD.jws` || entry.path === `${distInfoName}/RECORD.p7s` || entry.path === `${distInfoName}/INSTALLER` || entry.path === `${distInfoName}/REQUESTED`) continue
    const expected = recorded.get(entry.path)
    if (expected) {
      const [algorithm, digest] = expected.split('=', 2) as [string, string | undefined]
      if (algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') throw bad(`RECORD hashes ${entry.path} with ${algorithm}, which is not allowed`)
      const actual = await urlsafeDigest(entry.data, algorithm)
      if (actual !== digest) throw bad(`${entry.path} does not match the hash its RECORD gives (the wheel is corrupt or was tampered with)`)
    }
    let path: string
    let data = entry.data
    let mode = entry.mode
    if (entry.path.startsWith(dataDir)) {
      const [scheme, ...rest] = entry.path.slice(dataDir.length).split('/')
      const inner = rest.join('/')
      if (!inner) continue
      if (scheme === 'purelib' || scheme === 'platlib') path = `${site}/${inner}`
      else if (scheme === 'scripts') {
        path = `${bin}/${inner}`
        data = withShebang(data, target)
        mode = 0o755
        scripts.push(inner)
      } else if (scheme === 'data') path = `${target.venv}/${inner}`
      else if (scheme === 'headers') path = `${target.venv}/include/site/python${major}.${minor}/${metadata.name}/${inner}`
      else throw bad(`it has an unknown .data folder "${scheme}"`)
    } else path = `${site}/${entry.path}`
    path = normalizePath(path)
    if (path !== target.venv && !path.startsWith(`${target.venv}/`)) throw new AppError('UNSAFE_PACKAGE', `${filename}: its entry ${entry.path} would be installed outside the environment`, { filename })
    files.push({ path, data, mode: mode & 0o111 ? 0o100755 : 0o100644 })
  }

  const entryPoints = entries.find((e) => e.path === `${distInfoName}/entry_points.txt`)
  if (entryPoints) {
    for (const { name, module, attr } of consoleScripts(decoder.decode(entryPoints.data))) {
      files.push({ path: `${bin}/${name}`, data: encoder.encode(consoleScript(module, attr, target)), mode: 0o100755 })
      scripts.push(name)
    }
  }
  const distInfo = `${site}/${distInfoName}`
  files.push({ path: `${distInfo}/INSTALLER`, data: encoder.encode('coder\n'), mode: 0o100644 })
  if (options.requested) files.push({ path: `${distInfo}/REQUESTED`, data: new Uint8Array(), mode: 0o100644 })
  const rows: string[] = []
  for (const f of files) rows.push(csvRow([relativePath(f.path, site), `sha256=${await urlsafeDigest(f.data, 'sha256')}`, String(f.data.length)]))
  rows.push(csvRow([`${distInfoName}/RECORD`, '', '']))
  files.push({ path: `${distInfo}/RECORD`, data: encoder.encode(`${rows.join('\n')}\n`), mode: 0o100644 })
  return { files, distInfo, metadata, scripts }
}

/**
 * The files an installed distribution owns, from its RECORD (paths relative to site-packages):
 * absolute, inside the environment only (a RECORD cannot make an uninstall delete elsewhere),
 * its `.dist-info` folder's files included.
 */
export function recordedFiles(record: string, distInfo: string, target: PythonTarget): string[] {
  const site = target.sitePackages
  const out = new Set<string>()
  for (const [path] of parseRecord(record)) {
    const absolute = normalizePath(path.startsWith('/') ? path : joinPath(site, path))
    if (absolute.startsWith(`${target.venv}/`)) out.add(absolute)
  }
  out.add(`${distInfo}/RECORD`)
  return [...out]
}

/** The rows of a RECORD file (CSV: path, hash, size), as [path, hash]. */
export function parseRecord(text: string): Array<[string, string]> {
  const rows: Array<[string, string]> = []
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue
    const cells: string[] = []
    let cell = ''
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cell += '"'
          i++
        } else if (c === '"') quoted = false
        else cell += c
      } else if (c === '"') quoted = true
      else if (c === ',') {
        cells.push(cell)
        cell = ''
      } else cell += c
    }
    cells.push(cell)
    rows.push([cells[0]!, cells[1] ?? ''])
  }
  return rows
}

function csvRow(cells: string[]): string {
  return cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')
}

/** `to` relative to the folder `from` (`../../../bin/tool` for a script, seen from site-packages). */
function relativePath(to: string, from: string): string {
  const a = from.split('/').filter(Boolean)
  const b = to.split('/').filter(Boolean)
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return [...Array<string>(a.length - i).fill('..'), ...b.slice(i)].join('/')
}

async function urlsafeDigest(data: Uint8Array, algorithm: 'sha256' | 'sha384' | 'sha512'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(algorithm === 'sha256' ? 'SHA-256' : algorithm === 'sha384' ? 'SHA-384' : 'SHA-512', data as Uint8Array<ArrayBuffer>))
  let s = ''
  for (const b of digest) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A script's `#!python` (or `#!pythonw`) line pointed at the environment's interpreter. */
function withShebang(data: Uint8Array, target: PythonTarget): Uint8Array {
  const text = decoder.decode(data.subarray(0, 64))
  const m = /^#!pythonw?(\r?\n)/.exec(text)
  if (!m) return data
  const head = encoder.encode(`#!${target.venv}/bin/python${m[1]}`)
  const out = new Uint8Array(head.length + data.length - m[0].length)
  out.set(head)
  out.set(data.subarray(encoder.encode(m[0]).length), head.length)
  return out
}

/** `[console_scripts]` / `[gui_scripts]` entries of entry_points.txt. */
function consoleScripts(text: string): Array<{ name: string; module: string; attr: string }> {
  const out: Array<{ name: string; module: string; attr: string }> = []
  let section = ''
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      section = header[1]!.trim()
      continue
    }
    if (section !== 'console_scripts' && section !== 'gui_scripts') continue
    const m = /^([^=\s]+)\s*=\s*([\w.]+)\s*(?::\s*([\w.]+))?/.exec(line)
    // A name with a slash could leave bin/: such entries are skipped.
    if (m && !m[1]!.includes('/') && m[3]) out.push({ name: m[1]!, module: m[2]!, attr: m[3] })
  }
  return out
}

/** The launcher pip writes for a console script. */
function consoleScript(module: string, attr: string, target: PythonTarget): string {
  const head = attr.split('.')[0]
  return `#!${target.venv}/bin/python
# -*- coding: utf-8 -*-
import re
import sys
from ${module} import ${head}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(${attr}())
`
}
