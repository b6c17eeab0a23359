/**
 * MechaCoder's preview of a finished run: the project's build on the run's runtime, the output
 * folder published as a preview deployment through the edge (as a workflow's deploy step does),
 * and the build's writes undone, so the review and anything applied from it never hold build output.
 */
import type { AgentEvent, AgentGrants } from '../../../shared/agent'
import type { FileService } from '../../../shared/namespace'
import type { Handlers } from '../../../shared/rpc'
import type { OutputChunk, RuntimeApi } from '../../../shared/runtime'
import type { AgentProject } from './agent-project'
import { keepWorkingCopy, publishFolder } from './workflow-deploy'

const BUILD_TIMEOUT_MS = 10 * 60_000
/** The end of the build's output kept for a failed deploy's row (where the error usually is). */
const MAX_LOG_CHARS = 4_000

export type PreviewEvent = Extract<AgentEvent, { type: 'deploy' | 'deploy-failed' }>

export interface PreviewOptions {
  agent: AgentProject
  /** The user's workspace under the agent's overlay (workspace-relative paths): the build's writes are undone against it. */
  base: Pick<FileService, 'readFile' | 'lstat'>
  runtime: Handlers<RuntimeApi>
  grant: NonNullable<AgentGrants['deployPreview']>
  /** The commit and branch the preview is of (the run's commit). */
  ref: { commit: string; branch: string }
  env: Record<string, string>
  /** A request to the edge with the user's session (tokens stay there). */
  api(path: string, init?: RequestInit): Promise<Response>
  signal: AbortSignal
}

/**
 * Builds and publishes the preview; resolves to the event saying what came of it — `deploy`, or
 * `deploy-failed` with a sentence (and the build's output when the build failed). Never rejects:
 * a failed deploy does not fail the run. The working copy is put back in either case.
 */
export async function deployPreview(options: PreviewOptions): Promise<PreviewEvent> {
  const { agent, grant } = options
  const build = grant.build.trim()
  let log = ''
  let restore: (() => Promise<void>) | null = null
  try {
    if (build) {
      restore = await keepWorkingCopy(agent, options.base)
      const exit = await options.runtime.spawn(
        { projectId: agent.project.info.id, pid: `preview-${crypto.randomUUID()}`, command: 'sh', args: ['-c', build], cwd: '/workspace', env: options.env, timeoutMs: BUILD_TIMEOUT_MS },
        { signal: options.signal, progress: (p) => p.output?.forEach((c: OutputChunk) => (log = (log + c.text).slice(-MAX_LOG_CHARS))) },
      )
      // Stopped mid-build: the runtime answers 130, which is no failure of the build.
      if (options.signal.aborted) return failed('Stopped before the preview was published', log)
      if (exit.timedOut) return failed(`The build timed out: \`${build}\` was stopped after ${BUILD_TIMEOUT_MS / 60_000} minutes`, log)
      if (exit.code !== 0) return failed(`The build failed: \`${build}\` exited with code ${exit.code}`, log)
    }
    const result = await publishFolder({
      agent,
      folder: grant.output,
      request: { project: grant.project, ...(grant.repo ? { repo: grant.repo } : {}), commit: options.ref.commit, branch: options.ref.branch, visibility: grant.visibility ?? 'public' },
      api: options.api,
      log: () => undefined,
      signal: options.signal,
    })
    const { deployment } = result
    return { type: 'deploy', id: deployment.id, ...(deployment.url ? { url: deployment.url } : {}), files: result.totalFiles, uploaded: result.uploadedFiles, visibility: deployment.visibility }
  } catch (error) {
    if (options.signal.aborted) return failed('Stopped before the preview was published', log)
    return failed(`${(error as Error)?.message ?? error}`, log)
  } finally {
    // The review must not list the build's output. Should the undo fail, the build's files show in the review, where they can be left unticked.
    if (restore) await restore().catch((error: unknown) => console.warn('undoing the preview build’s writes failed', error))
  }
}

function failed(message: string, log: string): PreviewEvent {
  return { type: 'deploy-failed', message, ...(log.trim() ? { log } : {}) }
}
