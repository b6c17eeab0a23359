import { AppError } from '../../../shared/errors'
import { dirname, joinPath, normalizePath } from '../../../shared/namespace'
import { parseRequirement, type Requirement } from './requirement'

/** One requirement of a requirements file, with where it came from. */
export interface FileRequirement {
  requirement: Requirement
  /** `--hash=sha256:<hex>` options: when any are given, the file installed must match one. */
  hashes: string[]
  /** `-r requirements.txt (line 3)`, for messages. */
  source: string
}

/** What a requirements file (and the files it includes) asks for. */
export interface RequirementsFile {
  requirements: FileRequirement[]
  /** From `-c` files: versions they allow, for packages something else requires. */
  constraints: FileRequirement[]
  /** `-i` / `--index-url` (the last one wins), or null. */
  indexUrl: string | null
  extraIndexUrls: string[]
  /** `--pre`. */
  pre: boolean
  /** Options that make no difference in the tab (`--trusted-host`, `--prefer-binary`…), to mention. */
  ignored: string[]
}

/** Reads a file of the workspace (absolute path) as text; null when there is none. */
export type ReadText = (path: string) => Promise<string | null>

const IGNORED = new Set(['--trusted-host', '--prefer-binary', '--only-binary', '--no-binary', '--require-hashes', '--use-feature', '--find-links', '-f', '--no-index'])
const TAKES_VALUE = new Set(['-r', '--requirement', '-c', '--constraint', '-i', '--index-url', '--extra-index-url', '--trusted-host', '--only-binary', '--no-binary', '--use-feature', '--find-links', '-f', '-e', '--editable'])

/**
 * Reads the requirements file at `path` as pip does: comments (`#` at the start or after
 * whitespace), blank lines, `\` line continuations, `${VAR}` from `env`, `-r`/`-c` includes
 * (relative to the including file), `-i`/`--index-url`, `--extra-index-url`, `--pre`, and
 * `--hash` after a requirement. Throws BAD_INPUT naming the file and line for a bad line, an
 * editable (`-e`) or an unknown option, NOT_FOUND for a missing file, and refuses include cycles.
 */
export async function parseRequirementsFile(path: string, read: ReadText, env: Record<string, string> = {}): Promise<RequirementsFile> {
  const out: RequirementsFile = { requirements: [], constraints: [], indexUrl: null, extraIndexUrls: [], pre: false, ignored: [] }
  await readInto(out, normalizePath(path), read, env, [], false)
  return out
}

async function readInto(out: RequirementsFile, path: string, read: ReadText, env: Record<string, string>, stack: string[], constraint: boolean): Promise<void> {
  const shown = path.replace(/^\/workspace\//, '')
  if (stack.includes(path)) throw new AppError('BAD_INPUT', `${shown} includes itself (through ${stack.map((p) => p.replace(/^\/workspace\//, '')).join(' → ')})`, { path })
  const text = await read(path)
  if (text === null) throw new AppError('NOT_FOUND', `Could not open requirements file: ${shown} does not exist${stack.length ? ` (named in ${stack.at(-1)!.replace(/^\/workspace\//, '')})` : ''}`, { path })
  for (const { line, number } of logicalLines(text)) {
    const where = `${shown} (line ${number})`
    const bad = (why: string) => new AppError('BAD_INPUT', `${where}: ${why}`, { path, line: number })
    const expanded = line.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => (Object.hasOwn(env, name) ? env[name] : whole))
    const tokens = expanded.trim().split(/\s+/)
    if (tokens[0]!.startsWith('-')) {
      const options = readOptions(tokens, bad)
      for (const { name, value } of options) {
        switch (name) {
          case '-r':
          case '--requirement':
          case '-c':
          case '--constraint':
            await readInto(out, normalizePath(value!.startsWith('/') ? value! : joinPath(dirname(path), value!)), read, env, [...stack, path], constraint || name === '-c' || name === '--constraint')
            break
          case '-i':
          case '--index-url':
            out.indexUrl = value!
            break
          case '--extra-index-url':
            out.extraIndexUrls.push(value!)
            break
          case '--pre':
            out.pre = true
            break
          case '-e':
          case '--editable':
            throw bad(`editable installs (${name} ${value}) are not supported in the tab: install the package by name`)
          default:
            if (!IGNORED.has(name)) throw bad(`unknown option ${name}`)
            out.ignored.push(name)
        }
      }
      continue
    }
    // Options after a requirement apply to it (`pkg==1.0 --hash=sha256:…`).
    const firstOption = tokens.findIndex((t) => t.startsWith('--'))
    const requirementText = firstOption < 0 ? expanded : tokens.slice(0, firstOption).join(' ')
    const hashes: string[] = []
    if (firstOption >= 0) {
      for (const { name, value } of readOptions(tokens.slice(firstOption), bad)) {
        if (name !== '--hash') throw bad(`the option ${name} cannot follow a requirement (only --hash can)`)
        if (!/^(sha256|sha384|sha512):[0-9a-fA-F]+$/.test(value!)) throw bad(`--hash=${value} is not <sha256|sha384|sha512>:<hex digest>`)
        hashes.push(value!.toLowerCase())
      }
    }
    let requirement: Requirement
    try {
      requirement = parseRequirement(requirementText)
    } catch (error) {
      throw bad(error instanceof Error ? error.message : String(error))
    }
    ;(constraint ? out.constraints : out.requirements).push({ requirement, hashes, source: `-r ${where}` })
  }
}

/** Lines with continuations joined and comments stripped, blank ones left out. */
function logicalLines(text: string): Array<{ line: string; number: number }> {
  const out: Array<{ line: string; number: number }> = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1
    let line = lines[i]!
    // As pip: a line ending in a backslash goes on with the next, unless it holds a comment.
    while (line.endsWith('\\') && !/(^|\s)#/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!
    if (line.endsWith('\\') && !/(^|\s)#/.test(line)) line = line.slice(0, -1)
    line = line.replace(/(^|\s+)#.*$/, '').trim()
    if (line) out.push({ line, number })
  }
  return out
}

/** `-r file`, `-rfile`, `--requirement=file`, `--pre`, `--hash=…` from tokens. */
function readOptions(tokens: string[], bad: (why: string) => AppError): Array<{ name: string; value: string | null }> {
  const out: Array<{ name: string; value: string | null }> = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    if (!token.startsWith('-')) throw bad(`unexpected "${token}" (one option or one requirement per line)`)
    let name = token
    let value: string | null = null
    const eq = token.indexOf('=')
    if (token.startsWith('--') && eq > 0) {
      name = token.slice(0, eq)
      value = token.slice(eq + 1)
    } else if (!token.startsWith('--') && token.length > 2) {
      name = token.slice(0, 2)
      value = token.slice(2)
    }
    if (name === '--hash' && value === null) value = tokens[++i] ?? null
    if ((TAKES_VALUE.has(name) || name === '--hash') && value === null) {
      value = tokens[++i] ?? null
      if (value === null) throw bad(`${name} needs a value`)
    }
    out.push({ name, value })
  }
  return out
}
