import { applyPatch, parsePatch, type StructuredPatch } from 'diff'
import type { ToolResult } from '../../../shared/agent'
import { AppError } from '../../../shared/errors'
import { dirname, isWithin, mkdirp, normalizePath, type FileService } from '../../../shared/namespace'
import type { AgentTool } from '../tool'

/** Where the agent's project files are in its namespace; every write must stay inside. */
export const WORKSPACE = '/workspace'
/** Folders the listing and the search skip: tools of the project, not its code. */
const SKIP = new Set(['.git', 'node_modules', '.venv', '__pycache__'])
const MAX_READ_LINES = 2000
const MAX_READ_BYTES = 256 * 1024
const MAX_LIST = 500
const MAX_MATCHES = 100

const ok = (output: string): ToolResult => ({ ok: true, output })
const fail = (output: string): ToolResult => ({ ok: false, output })

/** A tool's path as an absolute namespace path: relative ones are taken from `/workspace`. */
export function resolvePath(path: string): string {
  return normalizePath(path.startsWith('/') ? path : `${WORKSPACE}/${path}`)
}

/** The path shown to the model: workspace-relative inside the workspace. */
const shown = (path: string) => (isWithin(path, WORKSPACE) ? path.slice(WORKSPACE.length + 1) || '.' : path)

/** The namespace's errors as sentences the model can act on. */
function describe(error: unknown, path: string): string {
  if (error instanceof AppError) {
    switch (error.code) {
      case 'ENOENT':
        return isWithin(path, '/cap') && path !== '/cap' ? `${path} is not granted to this agent (its capabilities are listed in /cap)` : `${shown(path)} does not exist`
      case 'EISDIR':
        return `${shown(path)} is a folder, not a file`
      case 'ENOTDIR':
        return `${shown(path)}: a part of the path is a file, not a folder`
      case 'EACCES':
      case 'EROFS':
        return `${shown(path)} may not be changed (${error.message})`
      case 'EEXIST':
        return `${shown(path)} already exists`
      default:
        return `${shown(path)}: ${error.message}`
    }
  }
  throw error
}

/** Refuses a write outside the workspace, whatever the namespace would allow. */
function writable(path: string): string | null {
  return isWithin(path, WORKSPACE) && path !== WORKSPACE ? null : `Refused: ${path} is outside ${WORKSPACE}. The agent may only change files of the project, under ${WORKSPACE}.`
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const looksBinary = (bytes: Uint8Array) => bytes.subarray(0, 8000).includes(0)

async function walk(fs: FileService, dir: string, visit: (path: string, type: 'file' | 'dir') => boolean | void, signal: AbortSignal): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (signal.aborted) return
    const path = `${dir === '/' ? '' : dir}/${name}`
    const stat = await fs.lstat(path)
    if (stat.type === 'dir') {
      if (SKIP.has(name)) continue
      if (visit(path, 'dir') === false) return
      await walk(fs, path, visit, signal)
    } else if (visit(path, 'file') === false) return
  }
}

/** The file tools over the agent's namespace: list, read, search, write, edit, delete, rename. */
export function fileTools(fs: FileService): AgentTool[] {
  const listFiles: AgentTool = {
    spec: {
      name: 'list_files',
      description: `Lists the files under a folder of the project, recursively (skipping ${[...SKIP].join(', ')}). Paths are relative to the project root.`,
      inputSchema: { type: 'object', properties: { path: { type: 'string', description: 'Folder; default the project root' } }, additionalProperties: false },
    },
    async run(input: { path?: string }, { signal }) {
      const dir = resolvePath(input.path ?? '.')
      const found: string[] = []
      try {
        await walk(fs, dir, (p, type) => (found.push(type === 'dir' ? `${shown(p)}/` : shown(p)), found.length < MAX_LIST), signal)
      } catch (error) {
        return fail(describe(error, dir))
      }
      if (found.length === 0) return ok(`${shown(dir)} is empty`)
      return ok(found.join('\n') + (found.length >= MAX_LIST ? `\n… (first ${MAX_LIST} entries; list a subfolder to see more)` : ''))
    },
  }

  const readFile: AgentTool = {
    spec: {
      name: 'read_file',
      description: 'Reads a text file, with line numbers. Give start_line/end_line (1-based, inclusive) to read part of a long file.',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', minLength: 1 }, start_line: { type: 'integer', minimum: 1 }, end_line: { type: 'integer', minimum: 1 } },
        required: ['path'],
        additionalProperties: false,
      },
    },
    async run(input: { path: string; start_line?: number; end_line?: number }) {
      const path = resolvePath(input.path)
      let bytes: Uint8Array
      try {
        bytes = await fs.readFile(path)
      } catch (error) {
        return fail(describe(error, path))
      }
      if (looksBinary(bytes)) return fail(`${shown(path)} is a binary file (${bytes.length} bytes)`)
      const lines = text(bytes.subarray(0, MAX_READ_BYTES)).split('\n')
      const start = input.start_line ?? 1
      const end = Math.min(input.end_line ?? lines.length, lines.length, start + MAX_READ_LINES - 1)
      if (start > lines.length) return fail(`${shown(path)} has ${lines.length} lines; start_line ${start} is past the end`)
      const width = String(end).length
      const body = lines.slice(start - 1, end).map((l, i) => `${String(start + i).padStart(width)}| ${l}`).join('\n')
      const more = end < lines.length || bytes.length > MAX_READ_BYTES ? `\n… (${shown(path)} continues; read from line ${end + 1})` : ''
      return ok(body + more)
    },
  }

  const search: AgentTool = {
    spec: {
      name: 'search',
      description: 'Searches the project\'s text files for a string (or a regular expression with regex: true). Answers path:line: text for each match.',
      inputSchema: {
        type: 'object',
        properties: { pattern: { type: 'string', minLength: 1 }, regex: { type: 'boolean' }, path: { type: 'string', description: 'Folder to search; default the project root' } },
        required: ['pattern'],
        additionalProperties: false,
      },
    },
    async run(input: { pattern: string; regex?: boolean; path?: string }, { signal }) {
      let matcher: (line: string) => boolean
      if (input.regex) {
        let re: RegExp
        try {
          re = new RegExp(input.pattern)
        } catch (error) {
          return fail(`Not a valid regular expression: ${(error as Error).message}`)
        }
        matcher = (line) => re.test(line)
      } else matcher = (line) => line.includes(input.pattern)
      const dir = resolvePath(input.path ?? '.')
      const files: string[] = []
      try {
        await walk(fs, dir, (p, type) => void (type === 'file' && files.push(p)), signal)
      } catch (error) {
        return fail(describe(error, dir))
      }
      const matches: string[] = []
      for (const file of files) {
        if (signal.aborted || matches.length >= MAX_MATCHES) break
        const bytes = await fs.readFile(file).catch(() => null)
        if (!bytes || bytes.length > MAX_READ_BYTES * 4 || looksBinary(bytes)) continue
        text(bytes).split('\n').forEach((line, i) => {
          if (matches.length < MAX_MATCHES && matcher(line)) matches.push(`${shown(file)}:${i + 1}: ${line.trim().slice(0, 200)}`)
        })
      }
      if (matches.length === 0) return ok(`No match for ${JSON.stringify(input.pattern)} in ${files.length} files`)
      return ok(matches.join('\n') + (matches.length >= MAX_MATCHES ? `\n… (first ${MAX_MATCHES} matches; narrow the search)` : ''))
    },
  }

  const writeFile: AgentTool = {
    spec: {
      name: 'write_file',
      description: 'Creates a file, or replaces one whole (for small changes to an existing file use edit_file). Creates missing folders.',
      inputSchema: { type: 'object', properties: { path: { type: 'string', minLength: 1 }, content: { type: 'string' } }, required: ['path', 'content'], additionalProperties: false },
    },
    async run(input: { path: string; content: string }) {
      const path = resolvePath(input.path)
      const refused = writable(path)
      if (refused) return fail(refused)
      try {
        await mkdirp(fs, dirname(path))
        await fs.writeFile(path, new TextEncoder().encode(input.content))
      } catch (error) {
        return fail(describe(error, path))
      }
      return ok(`Wrote ${shown(path)} (${input.content.split('\n').length} lines)`)
    },
  }

  const editFile: AgentTool = {
    spec: {
      name: 'edit_file',
      description: 'Replaces one exact piece of a file: `search` must occur exactly once (include enough surrounding lines to make it unique); it becomes `replace`.',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', minLength: 1 }, search: { type: 'string', minLength: 1 }, replace: { type: 'string' } },
        required: ['path', 'search', 'replace'],
        additionalProperties: false,
      },
    },
    async run(input: { path: string; search: string; replace: string }) {
      const path = resolvePath(input.path)
      const refused = writable(path)
      if (refused) return fail(refused)
      let before: string
      try {
        before = text(await fs.readFile(path))
      } catch (error) {
        return fail(describe(error, path))
      }
      const first = before.indexOf(input.search)
      if (first < 0) return fail(`The search text does not occur in ${shown(path)}. Read the file again and copy the lines exactly, whitespace included.`)
      if (before.indexOf(input.search, first + 1) >= 0) return fail(`The search text occurs more than once in ${shown(path)}; include more surrounding lines so it is unique.`)
      const after = before.slice(0, first) + input.replace + before.slice(first + input.search.length)
      try {
        await fs.writeFile(path, new TextEncoder().encode(after))
      } catch (error) {
        return fail(describe(error, path))
      }
      const line = before.slice(0, first).split('\n').length
      return ok(`Edited ${shown(path)} at line ${line}: -${input.search.split('\n').length} +${input.replace.split('\n').length} lines`)
    },
  }

  const applyPatchTool: AgentTool = {
    spec: {
      name: 'apply_patch',
      description: 'Applies a unified diff (as `git diff` prints it: --- a/path, +++ b/path, @@ hunks) to one or more files. Use it for several small edits at once; new files use --- /dev/null.',
      inputSchema: { type: 'object', properties: { patch: { type: 'string', minLength: 1 } }, required: ['patch'], additionalProperties: false },
    },
    async run(input: { patch: string }) {
      let patches: StructuredPatch[]
      try {
        patches = parsePatch(input.patch)
      } catch (error) {
        return fail(`The patch could not be read: ${(error as Error).message}`)
      }
      patches = patches.filter((p) => p.hunks.length > 0)
      if (patches.length === 0) return fail('The patch has no hunks (@@ … @@ sections).')
      const strip = (name: string | undefined) => (name && name !== '/dev/null' ? name.replace(/^[ab]\//, '') : null)
      // Every file is checked first, so a patch applies whole or not at all.
      const writes: Array<{ path: string; text: string | null }> = []
      for (const patch of patches) {
        const target = strip(patch.newFileName) ?? strip(patch.oldFileName)
        if (!target) return fail('A file in the patch has no name.')
        const path = resolvePath(target)
        const refused = writable(path)
        if (refused) return fail(refused)
        let before = ''
        if (strip(patch.oldFileName)) {
          try {
            before = text(await fs.readFile(resolvePath(strip(patch.oldFileName)!)))
          } catch (error) {
            return fail(describe(error, path))
          }
        }
        const after = applyPatch(before, patch)
        if (after === false) return fail(`The patch does not apply to ${shown(path)}: its context lines differ from the file. Read the file again and make the patch from what it holds now.`)
        writes.push({ path, text: strip(patch.newFileName) ? after : null })
      }
      try {
        for (const w of writes) {
          if (w.text === null) await fs.unlink(w.path)
          else {
            await mkdirp(fs, dirname(w.path))
            await fs.writeFile(w.path, new TextEncoder().encode(w.text))
          }
        }
      } catch (error) {
        return fail(describe(error, writes[0]!.path))
      }
      return ok(`Patched ${writes.map((w) => shown(w.path)).join(', ')}`)
    },
  }

  const deletePath: AgentTool = {
    spec: {
      name: 'delete_file',
      description: 'Deletes a file, or an empty folder.',
      inputSchema: { type: 'object', properties: { path: { type: 'string', minLength: 1 } }, required: ['path'], additionalProperties: false },
    },
    async run(input: { path: string }) {
      const path = resolvePath(input.path)
      const refused = writable(path)
      if (refused) return fail(refused)
      try {
        const stat = await fs.lstat(path)
        if (stat.type === 'dir') await fs.rmdir(path)
        else await fs.unlink(path)
      } catch (error) {
        return fail(describe(error, path))
      }
      return ok(`Deleted ${shown(path)}`)
    },
  }

  const renamePath: AgentTool = {
    spec: {
      name: 'rename_file',
      description: 'Moves or renames a file or folder within the project. Creates missing folders of the destination.',
      inputSchema: { type: 'object', properties: { from: { type: 'string', minLength: 1 }, to: { type: 'string', minLength: 1 } }, required: ['from', 'to'], additionalProperties: false },
    },
    async run(input: { from: string; to: string }) {
      const from = resolvePath(input.from)
      const to = resolvePath(input.to)
      const refused = writable(from) ?? writable(to)
      if (refused) return fail(refused)
      try {
        await mkdirp(fs, dirname(to))
        await fs.rename(from, to)
      } catch (error) {
        return fail(describe(error, from))
      }
      return ok(`Moved ${shown(from)} to ${shown(to)}`)
    },
  }

  return [listFiles, readFile, search, writeFile, editFile, applyPatchTool, deletePath, renamePath]
}

/** The tool that ends a run with the agent's summary. */
export const finishTool: AgentTool = {
  finishes: true,
  spec: {
    name: 'finish',
    description: 'Ends the task. Give a short summary of what you changed and why, for the pull request.',
    inputSchema: { type: 'object', properties: { summary: { type: 'string', minLength: 1 } }, required: ['summary'], additionalProperties: false },
  },
  async run(input: { summary: string }) {
    return ok(input.summary)
  },
}
