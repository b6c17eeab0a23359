/**
 * Scheduled workflows: the Cron Trigger (`* * * * *`, edge/index.ts `scheduled`) calls
 * `fireSchedules` every minute; each switched-on cached workflow with a `schedule` cron matching
 * that minute (UTC) is queued once — `schedule_fires` holds one row per (repo, path, minute), so a
 * retried or doubled invocation starts nothing twice.
 */
import type { Env } from '../env'
import { cronMatches, matchesTrigger } from '../../shared/workflow'
import type { TriggerEvent, WorkflowTriggers } from '../../shared/workflow'
import { connectedRepo, enabledWorkflows, repoMembers, startRun } from './repos'

const MINUTE = 60_000

/**
 * Queues every scheduled workflow due in the minute of `at`; resolves to the ids of the runs it
 * queued. One workflow's failure is logged and does not stop the others.
 */
export async function fireSchedules(env: Env, at: Date): Promise<string[]> {
  const minute = Math.floor(at.getTime() / MINUTE) * MINUTE
  const when = new Date(minute)
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT f.repo FROM workflow_files f
     WHERE json_extract(f.triggers, '$.schedule') IS NOT NULL AND EXISTS (SELECT 1 FROM workflow_repos r WHERE r.repo = f.repo)`,
  ).all<{ repo: string }>()
  const runs: string[] = []
  for (const { repo } of results) {
    try {
      const due = (await enabledWorkflows(env.DB, repo)).flatMap(({ file, workflow }) => {
        const cron = (workflow.on as WorkflowTriggers).schedule?.find((s) => cronMatches(s.cron, when))?.cron
        const event: TriggerEvent | null = cron ? { kind: 'schedule', cron, at: minute } : null
        return event && matchesTrigger(workflow, event) ? [{ file, workflow, event }] : []
      })
      if (!due.length) continue
      const [connected, [author]] = await Promise.all([connectedRepo(env.DB, repo), repoMembers(env.DB, repo)])
      if (!connected || !author) continue
      for (const { file, workflow, event } of due) {
        const claimed = await env.DB.prepare("INSERT INTO schedule_fires (repo, path, minute, run_id) VALUES (?, ?, ?, '') ON CONFLICT DO NOTHING").bind(repo, file.path, minute).run()
        if (!claimed.meta.changes) continue
        try {
          const run = await startRun(env, { repo, path: file.path, workflow, source: file.source, event, authorId: author.id, baseRef: connected.defaultBranch, by: 'cron' })
          await env.DB.prepare('UPDATE schedule_fires SET run_id = ? WHERE repo = ? AND path = ? AND minute = ?').bind(run.id, repo, file.path, minute).run()
          runs.push(run.id)
        } catch (error) {
          // Not queued: a retry of this minute may try again.
          await env.DB.prepare('DELETE FROM schedule_fires WHERE repo = ? AND path = ? AND minute = ?').bind(repo, file.path, minute).run()
          console.error(`schedule: queueing ${repo} ${file.path} at ${when.toISOString()} failed:`, error)
        }
      }
    } catch (error) {
      console.error(`schedule: firing the workflows of ${repo} at ${when.toISOString()} failed:`, error)
    }
  }
  return runs
}
