/**
 * The workflow engine's `deploy` step, apart from its build command (a `run` step's): publishing a
 * folder of the run's working copy as a preview deployment through the edge, and putting the
 * working copy back as it was before the build, so build output never reaches the pull request
 * nor counts against `write_paths`.
 */
import type { CreateDeploymentRequest } from '../../../shared/deploy'
import { collectOutput, normalizeOutputFolder } from '../../../shared/deploy/output'
import { uploadDeployment, type UploadResult } from '../../../shared/deploy/upload'
import type { FileService } from '../../../shared/namespace'
import type { AgentProject } from './agent-project'
import { changedFiles } from './golden-rule'

/** Folders whose files are tools of the project, not its code: what a build wrote there is removed, never restored byte by byte. */
const TOOL_FOLDERS = ['node_modules/', '.git/']

export interface PublishOptions {
  agent: AgentProject
  /** Workspace-relative, as the step wrote it (`dist`, `./site/`). */
  folder: string
  /** Everything of the manifest but its files. */
  request: Omit<CreateDeploymentRequest, 'files'>
  /** A same-origin request to the edge with the runner's session. */
  api(path: string, init?: RequestInit): Promise<Response>
  log(text: string): void
  signal: AbortSignal
  /** The run's secret values: a file holding one is never published. */
  secrets?: string[]
}

/**
 * Uploads the files of `folder` in the agent's `/workspace` (node_modules, .git and dotfiles left
 * out) as a new deployment and resolves once the edge made it ready. Throws with a sentence for
 * the step's log when the folder is missing or empty, when a file holds one of `secrets` (before
 * anything is sent: every file is read and hashed first), or when the edge refuses (its own message).
 */
export async function publishFolder(options: PublishOptions): Promise<UploadResult> {
  const shown = normalizeOutputFolder(options.folder) || 'the repository root'
  const secrets = (options.secrets ?? []).filter((v) => v.length >= 4)
  const files = (await collectOutput(options.agent.project.namespace, '/workspace', options.folder)).map((file) => ({
    path: file.path,
    async read() {
      const bytes = await file.read()
      // A build may inline its environment (the granted secrets among it) into what it outputs.
      if (secrets.length) {
        const text = new TextDecoder().decode(bytes)
        if (secrets.some((secret) => text.includes(secret))) throw new Error(`${file.path} contains one of this run’s secrets: nothing was deployed`)
      }
      return bytes
    },
  }))
  options.log(`Publishing ${files.length} file${files.length === 1 ? '' : 's'} of ${shown}…\n`)
  let uploading = false
  return uploadDeployment({
    request: options.request,
    files,
    api: (path, init) => options.api(path, init),
    signal: options.signal,
    onProgress(progress) {
      if (progress.phase !== 'uploading' || uploading) return
      uploading = true
      options.log(progress.total ? `Uploading ${progress.total} file${progress.total === 1 ? '' : 's'} the edge does not have yet (${formatBytes(progress.bytesTotal)})…\n` : 'The edge has every file already.\n')
    },
  })
}

/** The commit the working copy stands on and its branch, for the deployment's record; what git cannot tell is left out. */
export async function workingCopyRef(agent: AgentProject): Promise<{ commit?: string; branch?: string }> {
  const projectId = agent.project.info.id
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const [head] = await Promise.resolve()
    .then(() => agent.handlers.log({ projectId, depth: 1 }, ctx))
    .catch(() => [])
  const branch = await Promise.resolve()
    .then(async () => (await agent.handlers.branches({ projectId }, ctx)).current)
    .catch(() => null)
  return { ...(head ? { commit: head.oid } : {}), ...(branch ? { branch } : {}) }
}

/**
 * Remembers the working copy as it is now (the files the run changed, relative to `base`, the
 * clone), and resolves to a function that puts it back: a file the build added goes (a folder it
 * made goes whole), one it changed is restored — to what the run had made of it, or to the
 * clone's — and one it deleted comes back. Writes go through the workspace handlers, so the
 * runtime's copy of the files follows. A file under node_modules the run had already changed and
 * the build changed again is left as the build left it.
 */
export async function keepWorkingCopy(agent: AgentProject, base: Pick<FileService, 'readFile' | 'lstat'>): Promise<() => Promise<void>> {
  const fs = agent.project.namespace
  const projectId = agent.project.info.id
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const read = (path: string) => fs.readFile(`/workspace/${path}`).catch(() => null)
  const isTool = (path: string) => TOOL_FOLDERS.some((folder) => path.startsWith(folder) || path.includes(`/${folder}`))
  const before = new Map<string, Uint8Array | null>()
  const changedBefore = await changedFiles(agent.overlay)
  for (const path of changedBefore) if (!isTool(path)) before.set(path, await read(path))
  const touched = new Set(changedBefore)

  /** True when `dir` (workspace-relative) was there before the build: in the clone, or holding a file the run had changed. */
  const existedBefore = async (dir: string) =>
    [...touched].some((path) => path.startsWith(`${dir}/`)) || (await base.lstat(`/${dir}`).then(() => true, () => false))

  return async () => {
    const removed: string[] = []
    const after = await changedFiles(agent.overlay)
    for (const path of new Set([...before.keys(), ...after])) {
      if (removed.some((dir) => path.startsWith(`${dir}/`))) continue
      if (touched.has(path) && !before.has(path)) continue
      const wanted = before.has(path) ? before.get(path)! : await base.readFile(`/${path}`).catch(() => null)
      const now = await read(path)
      if (sameBytes(wanted, now)) continue
      if (wanted !== null) {
        // The build may have removed its folder as well.
        if (path.includes('/')) await agent.handlers.mkdir({ projectId, path: `/workspace/${path.slice(0, path.lastIndexOf('/'))}` }, ctx)
        await agent.handlers.writeFile({ projectId, path: `/workspace/${path}`, data: wanted }, ctx)
        continue
      }
      // Added by the build: remove the outermost folder the build made for it (dist/, node_modules/), or the file.
      const parts = path.split('/')
      let target = path
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/')
        if (!(await existedBefore(dir))) {
          target = dir
          break
        }
      }
      await agent.handlers.remove({ projectId, path: `/workspace/${target}` }, ctx)
      removed.push(target)
    }
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
