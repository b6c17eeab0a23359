/**
 * A deploy from start to end, with no UI: build on the project's runtime (its output streamed),
 * collect the output folder from the workspace, publish it with the shared uploader (only the
 * bytes the edge lacks), and keep the whole story as a `deploy` run at the edge. Resolves to an
 * outcome — succeeded, failed at a stage with a message a person can act on, or cancelled — and
 * never rejects.
 */
import type { DeploymentDetails } from '../../shared/deploy'
import { collectOutput, normalizeOutputFolder, outputFolderProblem } from '../../shared/deploy/output'
import { DeployError, uploadDeployment, type DeployProgress, type UploadOptions, type UploadResult } from '../../shared/deploy/upload'
import type { FileService } from '../../shared/namespace'
import type { Runtime, TaskProgress } from '../../shared/runtime'
import { DeployApiError } from './api'
import type { DeployRecorder, DeployRunStatus } from './recorder'
import type { DeploySettings } from './settings'

export type DeployStage = 'build' | 'collect' | 'upload'

/** What a deploy reports as it goes. */
export type DeployEvent =
  | { type: 'stage'; stage: DeployStage }
  /** Build output, and the deploy's own lines (`info`). */
  | { type: 'output'; stream: 'stdout' | 'stderr' | 'info'; text: string }
  | { type: 'progress'; progress: DeployProgress }

export type DeployOutcome =
  | { status: 'succeeded'; result: UploadResult; summary: string; runId: string }
  | { status: 'failed'; stage: DeployStage; message: string; runId: string }
  | { status: 'cancelled'; stage: DeployStage; message: string; runId: string }

export interface DeployRequest {
  /**
   * The project as deployments name it: its connected repository's `owner/name` (with `repo`), or
   * else the IDE project's id, unique to it, so no other project of the same name can move its
   * production address.
   */
  project: string
  /** The connected GitHub repository the deployment is shared with (its members see and manage it). */
  repo?: string
  /** The project's name, as run records name it (the Runs page's filter, the record's title). */
  projectName: string
  settings: DeploySettings
  git?: { branch: string | null; commit: string | null }
  /** Where the build runs (the project's active runtime). */
  runtime: Pick<Runtime, 'spawn'>
  /** Added to the build's environment (the package registry). */
  env?: Record<string, string>
  /** An install the build starts first, as it advances. */
  onTask?(task: TaskProgress | null): void
  /** The project's namespace (`/workspace/…`). */
  files: Pick<FileService, 'readdir' | 'lstat' | 'readFile'>
  /** Sends a request to the edge (`/api/…`). */
  api: UploadOptions['api']
  recorder: DeployRecorder
  signal: AbortSignal
  onEvent(event: DeployEvent): void
}

/** The largest build log kept in the run's record; its end is kept (where failures are). */
const MAX_LOG = 1024 * 1024

/** `1 of 3 files uploaded, the rest unchanged`. */
export function uploadSummary(result: Pick<UploadResult, 'uploadedFiles' | 'totalFiles'>): string {
  const { uploadedFiles: up, totalFiles: total } = result
  const files = `file${total === 1 ? '' : 's'}`
  if (up >= total) return `${up} of ${total} ${files} uploaded`
  return `${up} of ${total} ${files} uploaded, the rest unchanged`
}

/** A failure of the upload stage as the user should read it. */
function uploadFailure(error: unknown): string {
  if (error instanceof DeployApiError) return error.message
  if (error instanceof DeployError) {
    if (error.status === 401) return 'You are signed out: sign in to deploy. Nothing was published.'
    if (error.status === 404 && error.code === 'http_error') return 'This server keeps no deployments (the IDE is served without its edge).'
    return `The server refused the deployment: ${error.message}`
  }
  return `The upload failed: ${error instanceof Error ? error.message : String(error)}`
}

/** Runs one deploy (see the module comment). */
export async function runDeploy(request: DeployRequest): Promise<DeployOutcome> {
  const { settings, recorder, signal } = request
  const command = settings.buildCommand.trim()
  const folder = normalizeOutputFolder(settings.outputFolder)
  let log = ''
  const say = (stream: 'stdout' | 'stderr' | 'info', text: string) => {
    log = (log + text).slice(-MAX_LOG)
    request.onEvent({ type: 'output', stream, text })
  }
  const info = (text: string) => say('info', `${text}\n`)
  let stage: DeployStage = 'build'
  const enter = (next: DeployStage) => {
    stage = next
    request.onEvent({ type: 'stage', stage })
    recorder.event({ type: 'deploy-phase', phase: next, at: Date.now() })
  }
  const end = async (status: DeployRunStatus, message: string, reason: string, extra: { deploymentId?: string; url?: string } = {}) => {
    info(message)
    recorder.event({ type: 'deploy-finished', status, message, ...extra, at: Date.now() })
    recorder.artifact('build.log', 'text/plain; charset=utf-8', log)
    // Not awaited: the deploy is over for the user; the record catches up (offline, once back).
    void recorder.finish(status, reason)
  }
  const fail = async (message: string, reason: string): Promise<DeployOutcome> => {
    if (signal.aborted) return cancel()
    await end('failed', message, reason)
    return { status: 'failed', stage, message, runId: recorder.runId }
  }
  const cancel = async (): Promise<DeployOutcome> => {
    const message = stage === 'upload' ? 'Deploy cancelled: nothing was published.' : 'Deploy cancelled.'
    await end('cancelled', message, 'user')
    return { status: 'cancelled', stage, message, runId: recorder.runId }
  }

  recorder.start({ project: request.projectName, title: `Deploy preview of ${request.projectName}`, branch: request.git?.branch, commit: request.git?.commit })
  recorder.event({ type: 'deploy-started', project: request.projectName, projectId: request.project, buildCommand: command || null, outputFolder: folder, spa: settings.spa, visibility: settings.visibility, at: Date.now() })
  const problem = outputFolderProblem(settings.outputFolder)
  if (problem) return fail(`The output folder ${problem}`, 'bad_settings')
  // Cancelled before it began (while the commit was read): a build spawned on an aborted signal is never stopped.
  if (signal.aborted) return cancel()

  if (command) {
    enter('build')
    info(`$ ${command}`)
    const t0 = Date.now()
    let exit
    try {
      const build = request.runtime.spawn('sh', ['-c', command], { cwd: '/workspace', env: request.env, signal, onTask: request.onTask })
      for await (const chunk of build.output) say(chunk.stream, chunk.text)
      exit = await build.exit
    } catch (error) {
      // A runtime that could not start the command (WebContainer's spawn rejects): the record is ended all the same.
      return fail(`The build could not run: ${error instanceof Error ? error.message : String(error)}`, 'build_failed')
    }
    recorder.event({ type: 'deploy-build-finished', command, code: exit.code, durationMs: Date.now() - t0, at: Date.now() })
    if (signal.aborted) return cancel()
    if (exit.timedOut) return fail(`The build timed out: "${command}" was stopped.`, 'build_failed')
    if (exit.code !== 0) return fail(`The build failed: "${command}" exited with code ${exit.code}. Its output is in the log above.`, 'build_failed')
    info(`Build finished in ${((Date.now() - t0) / 1000).toFixed(1)} s.`)
  }

  enter('collect')
  let sources
  try {
    sources = await collectOutput(request.files, '/workspace', folder)
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 'no_output')
  }
  if (!sources.length) return fail(`The output folder ${folder || 'the project root'} has no files to publish${command ? ' (did the build write them somewhere else?)' : ''}.`, 'no_output')
  recorder.event({ type: 'deploy-collected', files: sources.length, at: Date.now() })
  info(`Publishing ${sources.length} file${sources.length === 1 ? '' : 's'} from ${folder || 'the project root'}.`)

  enter('upload')
  let result: UploadResult
  try {
    result = await uploadDeployment({
      request: { project: request.project, ...(request.repo ? { repo: request.repo } : {}), branch: request.git?.branch ?? undefined, commit: request.git?.commit ?? undefined, spa: settings.spa, visibility: settings.visibility },
      files: sources,
      api: request.api,
      signal,
      onProgress: (progress) => request.onEvent({ type: 'progress', progress }),
    })
  } catch (error) {
    return fail(uploadFailure(error), error instanceof DeployError && error.status === 401 ? 'signed_out' : 'upload_failed')
  }
  const { deployment } = result
  recorder.event({ type: 'deploy-uploaded', deploymentId: deployment.id, uploadedFiles: result.uploadedFiles, totalFiles: result.totalFiles, uploadedBytes: result.uploadedBytes, totalBytes: result.totalBytes, at: Date.now() })
  const summary = uploadSummary(result)
  info(`${summary}.`)
  // The manifest as the edge keeps it (paths, hashes, sizes, content types), for the run's record.
  const manifest = await request
    .api(`/api/deployments/${encodeURIComponent(deployment.id)}`)
    .then(async (res) => (res.ok ? ((await res.json()) as DeploymentDetails) : null))
    .catch(() => null)
  if (manifest) recorder.artifact('manifest.json', 'application/json', `${JSON.stringify(manifest, null, 2)}\n`)
  await end('succeeded', `Deployment ${deployment.id.slice(0, 8)} is ready${deployment.url ? ` at ${deployment.url}` : ''}.`, 'finished', { deploymentId: deployment.id, url: deployment.url })
  return { status: 'succeeded', result, summary, runId: recorder.runId }
}
