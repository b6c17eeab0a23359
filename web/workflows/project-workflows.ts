/** @module A project's workflow files as the IDE has them: read and parsed from the workspace, described for lists, created from templates. */
import { hasCode } from '../../shared/errors'
import { WORKFLOW_DIR, describeCron, isWorkflowPath, parseWorkflow, type ParseResult, type WorkflowTriggers } from '../../shared/workflow'
import type { WorkspaceClient } from '../workspace/client'

/** A workflow file of the open branch: its repository-relative path, its text, and what parsing it gave. */
export interface LocalWorkflow {
  path: string
  source: string
  parsed: ParseResult
}

const WORKSPACE = '/workspace'

/** The workspace path of a repository-relative path. */
export const workspacePath = (path: string) => `${WORKSPACE}/${path}`

/**
 * Every workflow file under `.coder/workflows/` of the project's working tree (the files of the
 * branch checked out, saved changes included), parsed, sorted by path. None when the folder is
 * missing; rejects only when the workspace fails.
 */
export async function readWorkflows(client: WorkspaceClient, projectId: string): Promise<LocalWorkflow[]> {
  const entries = await client.rpc.call('readdir', { projectId, path: workspacePath(WORKFLOW_DIR) }).catch((error: unknown) => {
    if (hasCode(error, 'ENOENT', 'ENOTDIR', 'NOT_FOUND')) return []
    throw error
  })
  const files = entries.filter((e) => e.type === 'file' && isWorkflowPath(`${WORKFLOW_DIR}/${e.name}`)).sort((a, b) => a.name.localeCompare(b.name))
  const decoder = new TextDecoder()
  return Promise.all(
    files.map(async (e) => {
      const path = `${WORKFLOW_DIR}/${e.name}`
      const source = decoder.decode(await client.rpc.call('readFile', { projectId, path: workspacePath(path) }))
      return { path, source, parsed: parseWorkflow(source, path) }
    }),
  )
}

/**
 * Writes `source` as `.coder/workflows/<fileName>` (creating the folder); never overwrites: an
 * existing file is an outcome with a message, and nothing is written.
 */
export async function createWorkflowFile(client: WorkspaceClient, projectId: string, fileName: string, source: string): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  const path = `${WORKFLOW_DIR}/${fileName}`
  await client.rpc.call('mkdir', { projectId, path: workspacePath(WORKFLOW_DIR) })
  const out = await client.rpc.call('writeFile', { projectId, path: workspacePath(path), data: new TextEncoder().encode(source), expect: null })
  if (!out.ok) return { ok: false, message: `${path} already exists; it was left as it is. Rename or delete it to create this template again.` }
  return { ok: true, path }
}

const list = (items: string[]) => items.join(', ')

/** One short line per trigger, for lists: "Issue labeled (coder)", "Schedule: every Monday at 09:00 UTC (0 9 * * 1)", "Webhook deploy", "Manual". */
export function describeTriggers(on: WorkflowTriggers): string[] {
  const lines: string[] = []
  if (on.issues) lines.push(`Issue ${list(on.issues.types)}${on.issues.labels?.length ? ` (${list(on.issues.labels)})` : ''}`)
  if (on.pullRequest) lines.push(`Pull request ${list(on.pullRequest.types)}${on.pullRequest.branches?.length ? ` into ${list(on.pullRequest.branches)}` : ''}`)
  for (const s of on.schedule ?? []) lines.push(`Schedule: ${describeCron(s.cron)} (${s.cron})`)
  if (on.webhook) lines.push(`Webhook ${on.webhook.name}`)
  if (on.manual) {
    const inputs = Object.keys(on.manual.inputs).length
    lines.push(inputs ? `Manual (${inputs} input${inputs === 1 ? '' : 's'})` : 'Manual')
  }
  return lines
}

/** The triggers that need GitHub to fire (issues, pull requests). */
export const needsGitHub = (on: WorkflowTriggers) => Boolean(on.issues || on.pullRequest)

/** A future time as "in 5 min", "in 3 h", "in 2 days". */
export function formatIn(t: number, now = Date.now()): string {
  const s = Math.round((t - now) / 1000)
  if (s < 60) return 'in under a minute'
  if (s < 3600) return `in ${Math.round(s / 60)} min`
  if (s < 86400 * 2) return `in ${Math.round(s / 3600)} h`
  return `in ${Math.round(s / 86400)} days`
}
