/**
 * Each project's production alias: the deployment served as the project's production, the one
 * before it, and every move. Whoever promotes first owns the alias (with a repository, its members
 * share it); every move is one D1 batch whose statements re-check readiness and access, so
 * concurrent promotes and rollbacks always leave `previous → current` a step of the history.
 */
import type { ProductionChange, ProductionState } from '../../shared/deploy'
import type { Env } from '../env'
import { ApiError } from '../errors'
import { deploymentView, memberOf, SELECT_DEPLOYMENT, type DeploymentRow } from './store'

interface AliasRow {
  project: string
  deployment_id: string
  previous_id: string | null
  owner_id: string
  repo: string | null
  updated_at: number
  host: string | null
}

/** A host name label, as PREVIEW_URL_TEMPLATE's `{id}` must be. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** 32-bit FNV-1a of `text`, as 7 base-36 characters. */
function shortHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36).padStart(7, '0')
}

/** `text` in lower case with every run of other characters a `-`, trimmed of them and cut to `max`. */
const slug = (text: string, max: number) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, max).replace(/^-+|-+$/g, '')

/**
 * The host name label production of `project` is served at (`{id}` in PREVIEW_URL_TEMPLATE): the
 * project itself when it is one (an IDE project's id); for a repository `owner/name`, `name--owner`
 * (a GitHub owner holds no `--`, so the last one splits it back), with a hash of the project added
 * when the name had to change to fit or is too long; anything else, a slug of it and that hash.
 * Only repositories get a `--`, so no other project can take a repository's address.
 */
export function productionHost(project: string): string {
  if (DNS_LABEL.test(project) && !project.includes('--')) return project
  const hash = shortHash(project.toLowerCase())
  const repo = /^([A-Za-z0-9](?:-?[A-Za-z0-9])*)\/([A-Za-z0-9._-]+)$/.exec(project)
  if (repo) {
    const owner = repo[1]!.toLowerCase()
    const name = repo[2]!.toLowerCase()
    const plain = `${name}--${owner}`
    // (`xn--` would read as an internationalised name.)
    if (DNS_LABEL.test(name) && !name.includes('--') && name !== 'xn' && plain.length <= 63) return plain
    const base = slug(name, 63 - owner.length - 2 - hash.length - 1)
    return `${base ? `${base}-` : ''}${hash}--${owner}`
  }
  const base = slug(project, 63 - hash.length - 1)
  return `${base ? `${base}-` : ''}${hash}`
}

/** True in SQL when user `?3` may move alias `a`. */
const MAY_MOVE = (alias: string) => `(${alias}.owner_id = ?3 OR ${memberOf(`${alias}.repo`, '?3')})`

async function aliasFor(db: D1Database, project: string, userId: string): Promise<{ alias: AliasRow | null; allowed: boolean }> {
  const alias = await db.prepare('SELECT * FROM production_aliases WHERE project = ?').bind(project).first<AliasRow>()
  if (!alias) return { alias: null, allowed: true }
  const allowed = (await db.prepare(`SELECT 1 FROM production_aliases a WHERE a.project = ?1 AND ${MAY_MOVE('a')}`).bind(project, null, userId).first()) !== null
  return { alias, allowed }
}

const managedElsewhere = (project: string) =>
  new ApiError(403, 'forbidden', `The production deployment of ${project} is managed by another account; ask them (or a member of its repository) to move it`)

/**
 * The production state of `project` as `userId` may see it: current and previous deployment and
 * the history, newest first. An alias they may not move reads as none.
 */
export async function productionState(env: Pick<Env, 'DB' | 'PREVIEW_URL_TEMPLATE'>, project: string, userId: string): Promise<ProductionState> {
  const { alias, allowed } = await aliasFor(env.DB, project, userId)
  const template = env.PREVIEW_URL_TEMPLATE?.trim()
  const url = template ? template.replaceAll('{id}', productionHost(project)) : undefined
  if (!alias || !allowed) return { project, current: null, previous: null, history: [] }
  const row = (id: string | null) => (id ? env.DB.prepare(`${SELECT_DEPLOYMENT} WHERE d.id = ?`).bind(id).first<DeploymentRow>() : null)
  const [current, previous, history] = await Promise.all([
    row(alias.deployment_id),
    row(alias.previous_id),
    env.DB.prepare('SELECT h.*, COALESCE(u.name, u.login, u.email) AS name FROM production_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.project = ? ORDER BY h.seq DESC LIMIT 100')
      .bind(project)
      .all<{ action: ProductionChange['action']; from_id: string | null; to_id: string; user_id: string; name: string | null; at: number }>(),
  ])
  return {
    project,
    current: current ? deploymentView(env, current) : null,
    previous: previous ? deploymentView(env, previous) : null,
    history: history.results.map((h) => ({ action: h.action, from: h.from_id, to: h.to_id, by: { id: h.user_id, name: h.name }, at: h.at })),
    ...(url ? { url } : {}),
  }
}

/**
 * Makes `deployment` (which the caller may manage, of `project`) the production deployment of
 * `project`, keeping the one before as previous. A 409 unless it is `ready`; a 403 when another
 * account owns the alias. Promoting the current deployment again changes nothing.
 */
export async function promote(db: D1Database, project: string, deployment: DeploymentRow, userId: string): Promise<void> {
  if (deployment.project !== project) throw new ApiError(400, 'bad_request', `Deployment ${deployment.id} belongs to project ${deployment.project}, not ${project}`)
  if (deployment.status !== 'ready') throw new ApiError(409, 'conflict', `Deployment ${deployment.id} is ${deployment.status}; only a ready deployment can be promoted`)
  const { allowed } = await aliasFor(db, project, userId)
  if (!allowed) throw managedElsewhere(project)
  const now = Date.now()
  // ?1 project, ?2 deployment, ?3 user, ?4 time. Both statements re-check, inside the batch's
  // transaction, that the deployment is still ready and that the caller may move the alias.
  const ready = 'd.id = ?2 AND d.project = ?1 AND d.status = \'ready\''
  const [, moved] = await db.batch([
    db
      .prepare(
        `INSERT INTO production_history (project, action, from_id, to_id, user_id, at)
         SELECT ?1, 'promote', a.deployment_id, ?2, ?3, ?4 FROM deployments d LEFT JOIN production_aliases a ON a.project = ?1
         WHERE ${ready} AND (a.project IS NULL OR (a.deployment_id <> ?2 AND ${MAY_MOVE('a')}))`,
      )
      .bind(project, deployment.id, userId, now),
    db
      .prepare(
        `INSERT INTO production_aliases (project, deployment_id, previous_id, owner_id, repo, updated_at, host)
         SELECT ?1, d.id, NULL, ?3, d.repo, ?4, ?5 FROM deployments d WHERE ${ready}
         ON CONFLICT (project) DO UPDATE SET previous_id = deployment_id, deployment_id = excluded.deployment_id, updated_at = excluded.updated_at, host = excluded.host
         WHERE deployment_id <> excluded.deployment_id AND ${MAY_MOVE('production_aliases')}`,
      )
      .bind(project, deployment.id, userId, now, productionHost(project)),
  ])
  if (moved!.meta.changes) return
  // Nothing moved: it was production already, or it stopped being ready, or the alias was taken meanwhile.
  const after = await aliasFor(db, project, userId)
  if (!after.allowed) throw managedElsewhere(project)
  const still = await db.prepare("SELECT 1 FROM deployments WHERE id = ? AND status = 'ready'").bind(deployment.id).first()
  if (!still) throw new ApiError(409, 'conflict', `Deployment ${deployment.id} is no longer ready; it was not promoted`)
}

/**
 * Swaps `project`'s production deployment with the previous one, in one statement (a second
 * rollback undoes the first). A 409 when there is no previous deployment that is still ready;
 * a 404 when there is no alias the caller may see, a 403 when it is another account's.
 */
export async function rollback(db: D1Database, project: string, userId: string): Promise<void> {
  const { alias, allowed } = await aliasFor(db, project, userId)
  if (!alias) throw new ApiError(404, 'not_found', `${project} has no production deployment to roll back`)
  if (!allowed) throw managedElsewhere(project)
  const now = Date.now()
  const previousReady = "a.previous_id IS NOT NULL AND EXISTS (SELECT 1 FROM deployments p WHERE p.id = a.previous_id AND p.status = 'ready')"
  const [, moved] = await db.batch([
    db
      .prepare(
        `INSERT INTO production_history (project, action, from_id, to_id, user_id, at)
         SELECT ?1, 'rollback', a.deployment_id, a.previous_id, ?3, ?4 FROM production_aliases a WHERE a.project = ?1 AND ${previousReady} AND ${MAY_MOVE('a')}`,
      )
      .bind(project, null, userId, now),
    db
      .prepare(
        `UPDATE production_aliases AS a SET deployment_id = previous_id, previous_id = deployment_id, updated_at = ?4
         WHERE a.project = ?1 AND ${previousReady} AND ${MAY_MOVE('a')}`,
      )
      .bind(project, null, userId, now),
  ])
  if (!moved!.meta.changes) throw new ApiError(409, 'conflict', `${project} has no previous production deployment to roll back to`)
}
