import { createTwoFilesPatch } from 'diff'
import type { ReviewFile } from '../../../shared/agent'
import { AppError } from '../../../shared/errors'
import type { FileService } from '../../../shared/namespace'
import type { WorkspaceApi } from '../../../shared/protocol'
import type { RpcClient } from '../../../shared/rpc'
import { isBinary } from '../../git/repo'
import type { Overlay } from '../../namespace'

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** The files the run changed (its overlay against the user's workspace, `.git` left out), with their diffs. */
export async function reviewFiles(overlay: Overlay, lower: FileService): Promise<ReviewFile[]> {
  const out: ReviewFile[] = []
  for (const change of await overlay.changes()) {
    const path = change.path.replace(/^\//, '')
    if (path === '.git' || path.startsWith('.git/')) continue
    const before = change.kind === 'added' ? null : await lower.readFile(change.path).catch(() => null)
    const after = change.kind === 'deleted' ? null : await overlay.readFile(change.path)
    const binary = (before !== null && isBinary(before)) || (after !== null && isBinary(after))
    const patch = binary ? '' : createTwoFilesPatch(before === null ? '/dev/null' : `a/${path}`, after === null ? '/dev/null' : `b/${path}`, before ? decode(before) : '', after ? decode(after) : '', undefined, undefined, { context: 3, headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } })
    out.push({ path, kind: change.kind, binary, patch })
  }
  return out
}

/**
 * Writes the accepted files of the run's overlay into the user's workspace through the workspace
 * worker (so open editors and other tabs see them), deleting the ones the run deleted. Refuses
 * paths the run did not change. Resolves to the paths applied.
 */
export async function acceptFiles(overlay: Overlay, rpc: RpcClient<WorkspaceApi>, projectId: string, paths: string[]): Promise<string[]> {
  const changes = new Map((await overlay.changes()).map((c) => [c.path.replace(/^\//, ''), c]))
  for (const path of paths) {
    if (!changes.has(path) || path === '.git' || path.startsWith('.git/')) throw new AppError('BAD_INPUT', `${path} is not a change of this run`)
  }
  const applied: string[] = []
  for (const path of paths) {
    const change = changes.get(path)!
    if (change.kind === 'deleted') await rpc.call('remove', { projectId, path: `/workspace/${path}` })
    else {
      const dir = path.split('/').slice(0, -1)
      for (let i = 1; i <= dir.length; i++) await rpc.call('mkdir', { projectId, path: `/workspace/${dir.slice(0, i).join('/')}` }).catch(() => undefined)
      await rpc.call('writeFile', { projectId, path: `/workspace/${path}`, data: await overlay.readFile(change.path) })
    }
    applied.push(path)
  }
  return applied
}
