import { invalidArgType } from './errors'

/** Node's `path.parse` result. */
export interface ParsedPath {
  root: string
  dir: string
  base: string
  ext: string
  name: string
}

/** Node's POSIX `path` module. `path.win32` is the same POSIX implementation (the sandbox has no Windows paths). */
export interface PathModule {
  sep: '/'
  delimiter: ':'
  resolve(...paths: string[]): string
  normalize(path: string): string
  isAbsolute(path: string): boolean
  join(...paths: string[]): string
  relative(from: string, to: string): string
  toNamespacedPath(path: string): string
  dirname(path: string): string
  basename(path: string, suffix?: string): string
  extname(path: string): string
  format(parts: Partial<ParsedPath>): string
  parse(path: string): ParsedPath
  matchesGlob?(path: string, pattern: string): boolean
  posix: PathModule
  win32: PathModule
}

function check(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
}

/** Resolves `.` and `..` segments (Node's normalizeString for POSIX). */
function normalizeString(path: string, allowAboveRoot: boolean): string {
  let res = ''
  let lastSegmentLength = 0
  let lastSlash = -1
  let dots = 0
  let code = 0
  for (let i = 0; i <= path.length; ++i) {
    if (i < path.length) code = path.charCodeAt(i)
    else if (code === 47) break
    else code = 47
    if (code === 47) {
      if (lastSlash === i - 1 || dots === 1) {
        // empty or '.' segment
      } else if (dots === 2) {
        if (res.length < 2 || lastSegmentLength !== 2 || !res.endsWith('..')) {
          if (res.length > 2) {
            const lastSlashIndex = res.lastIndexOf('/')
            if (lastSlashIndex === -1) {
              res = ''
              lastSegmentLength = 0
            } else {
              res = res.slice(0, lastSlashIndex)
              lastSegmentLength = res.length - 1 - res.lastIndexOf('/')
            }
            lastSlash = i
            dots = 0
            continue
          } else if (res.length !== 0) {
            res = ''
            lastSegmentLength = 0
            lastSlash = i
            dots = 0
            continue
          }
        }
        if (allowAboveRoot) {
          res += res.length > 0 ? '/..' : '..'
          lastSegmentLength = 2
        }
      } else {
        if (res.length > 0) res += '/' + path.slice(lastSlash + 1, i)
        else res = path.slice(lastSlash + 1, i)
        lastSegmentLength = i - lastSlash - 1
      }
      lastSlash = i
      dots = 0
    } else if (code === 46 && dots !== -1) {
      ++dots
    } else {
      dots = -1
    }
  }
  return res
}

/** Creates the `path` module; `cwd` answers relative `resolve` calls (the process's working directory). */
export function createPathModule(cwd: () => string = () => '/'): PathModule {
  const path = {
    sep: '/',
    delimiter: ':',
    resolve(...args: string[]): string {
      let resolved = ''
      let absolute = false
      for (let i = args.length - 1; i >= -1 && !absolute; i--) {
        const p = i >= 0 ? args[i] : cwd()
        check(p, `paths[${i}]`)
        if (p.length === 0) continue
        resolved = `${p}/${resolved}`
        absolute = p.charCodeAt(0) === 47
      }
      resolved = normalizeString(resolved, !absolute)
      if (absolute) return `/${resolved}`
      return resolved.length > 0 ? resolved : '.'
    },
    normalize(p: string): string {
      check(p, 'path')
      if (p.length === 0) return '.'
      const absolute = p.charCodeAt(0) === 47
      const trailing = p.charCodeAt(p.length - 1) === 47
      let out = normalizeString(p, !absolute)
      if (out.length === 0) {
        if (absolute) return '/'
        return trailing ? './' : '.'
      }
      if (trailing) out += '/'
      return absolute ? `/${out}` : out
    },
    isAbsolute(p: string): boolean {
      check(p, 'path')
      return p.length > 0 && p.charCodeAt(0) === 47
    },
    join(...args: string[]): string {
      if (args.length === 0) return '.'
      const parts: string[] = []
      for (const arg of args) {
        check(arg, 'path')
        if (arg.length > 0) parts.push(arg)
      }
      if (parts.length === 0) return '.'
      return path.normalize(parts.join('/'))
    },
    relative(from: string, to: string): string {
      check(from, 'from')
      check(to, 'to')
      if (from === to) return ''
      from = path.resolve(from)
      to = path.resolve(to)
      if (from === to) return ''
      const fromStart = 1
      const fromEnd = from.length
      const fromLen = fromEnd - fromStart
      const toStart = 1
      const toLen = to.length - toStart
      const length = fromLen < toLen ? fromLen : toLen
      let lastCommonSep = -1
      let i = 0
      for (; i < length; i++) {
        const fromCode = from.charCodeAt(fromStart + i)
        if (fromCode !== to.charCodeAt(toStart + i)) break
        else if (fromCode === 47) lastCommonSep = i
      }
      if (i === length) {
        if (toLen > length) {
          if (to.charCodeAt(toStart + i) === 47) return to.slice(toStart + i + 1)
          if (i === 0) return to.slice(toStart + i)
        } else if (fromLen > length) {
          if (from.charCodeAt(fromStart + i) === 47) lastCommonSep = i
          else if (i === 0) lastCommonSep = 0
        }
      }
      let out = ''
      for (i = fromStart + lastCommonSep + 1; i <= fromEnd; ++i) {
        if (i === fromEnd || from.charCodeAt(i) === 47) out += out.length === 0 ? '..' : '/..'
      }
      return `${out}${to.slice(toStart + lastCommonSep)}`
    },
    toNamespacedPath(p: string): string {
      return p
    },
    dirname(p: string): string {
      check(p, 'path')
      if (p.length === 0) return '.'
      const hasRoot = p.charCodeAt(0) === 47
      let end = -1
      let matchedSlash = true
      for (let i = p.length - 1; i >= 1; --i) {
        if (p.charCodeAt(i) === 47) {
          if (!matchedSlash) {
            end = i
            break
          }
        } else {
          matchedSlash = false
        }
      }
      if (end === -1) return hasRoot ? '/' : '.'
      if (hasRoot && end === 1) return '//'
      return p.slice(0, end)
    },
    basename(p: string, suffix?: string): string {
      if (suffix !== undefined) check(suffix, 'suffix')
      check(p, 'path')
      let start = 0
      let end = -1
      let matchedSlash = true
      if (suffix !== undefined && suffix.length > 0 && suffix.length <= p.length) {
        if (suffix === p) return ''
        let extIdx = suffix.length - 1
        let firstNonSlashEnd = -1
        for (let i = p.length - 1; i >= 0; --i) {
          const code = p.charCodeAt(i)
          if (code === 47) {
            if (!matchedSlash) {
              start = i + 1
              break
            }
          } else {
            if (firstNonSlashEnd === -1) {
              matchedSlash = false
              firstNonSlashEnd = i + 1
            }
            if (extIdx >= 0) {
              if (code === suffix.charCodeAt(extIdx)) {
                if (--extIdx === -1) end = i
              } else {
                extIdx = -1
                end = firstNonSlashEnd
              }
            }
          }
        }
        if (start === end) end = firstNonSlashEnd
        else if (end === -1) end = p.length
        return p.slice(start, end)
      }
      for (let i = p.length - 1; i >= 0; --i) {
        if (p.charCodeAt(i) === 47) {
          if (!matchedSlash) {
            start = i + 1
            break
          }
        } else if (end === -1) {
          matchedSlash = false
          end = i + 1
        }
      }
      if (end === -1) return ''
      return p.slice(start, end)
    },
    extname(p: string): string {
      check(p, 'path')
      return parseExt(p).ext
    },
    format(parts: Partial<ParsedPath>): string {
      if (parts === null || typeof parts !== 'object') throw invalidArgType('pathObject', 'of type object', parts)
      const dir = parts.dir || parts.root
      const base = parts.base || `${parts.name || ''}${parts.ext ? (parts.ext[0] === '.' ? '' : '.') + parts.ext : ''}`
      if (!dir) return base
      return dir === parts.root ? `${dir}${base}` : `${dir}/${base}`
    },
    parse(p: string): ParsedPath {
      check(p, 'path')
      const ret: ParsedPath = { root: '', dir: '', base: '', ext: '', name: '' }
      if (p.length === 0) return ret
      const absolute = p.charCodeAt(0) === 47
      if (absolute) ret.root = '/'
      const { startPart, startDot, end, preDotState } = scanExt(p, absolute ? 1 : 0)
      if (end !== -1) {
        const start = startPart === 0 && absolute ? 1 : startPart
        if (startDot === -1 || preDotState === 0 || (preDotState === 1 && startDot === end - 1 && startDot === startPart + 1)) {
          ret.base = ret.name = p.slice(start, end)
        } else {
          ret.name = p.slice(start, startDot)
          ret.base = p.slice(start, end)
          ret.ext = p.slice(startDot, end)
        }
      }
      if (startPart > 0) ret.dir = p.slice(0, startPart - 1)
      else if (absolute) ret.dir = '/'
      return ret
    },
  } as PathModule
  path.posix = path
  path.win32 = path
  return path
}

function scanExt(p: string, stop: number) {
  let startDot = -1
  let startPart = 0
  let end = -1
  let matchedSlash = true
  let preDotState = 0
  for (let i = p.length - 1; i >= stop; --i) {
    const code = p.charCodeAt(i)
    if (code === 47) {
      if (!matchedSlash) {
        startPart = i + 1
        break
      }
      continue
    }
    if (end === -1) {
      matchedSlash = false
      end = i + 1
    }
    if (code === 46) {
      if (startDot === -1) startDot = i
      else if (preDotState !== 1) preDotState = 1
    } else if (startDot !== -1) {
      preDotState = -1
    }
  }
  return { startDot, startPart, end, preDotState }
}

function parseExt(p: string): { ext: string } {
  const { startDot, startPart, end, preDotState } = scanExt(p, 0)
  if (startDot === -1 || end === -1 || preDotState === 0 || (preDotState === 1 && startDot === end - 1 && startDot === startPart + 1)) return { ext: '' }
  return { ext: p.slice(startDot, end) }
}
