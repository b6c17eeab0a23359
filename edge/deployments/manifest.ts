/** A deployment request checked against the path rules and the edge's limits, before anything is stored. */
import { DEFAULT_DEPLOY_LIMITS, deployPathProblem, type DeployFile, type DeploymentVisibility } from '../../shared/deploy'
import type { Env } from '../env'
import { ApiError } from '../errors'
import { REPO } from '../workflows/members'
import { contentTypeOf } from '../../shared/mime'

export interface DeployLimits {
  maxFiles: number
  maxBytes: number
  maxFileBytes: number
}

/** A checked `POST /api/deployments` body; `files` carry the content type the edge derived. */
export interface CheckedManifest {
  project: string
  repo: string | null
  commit: string | null
  branch: string | null
  spa: boolean
  visibility: DeploymentVisibility
  files: DeployFile[]
  totalBytes: number
}

export const SHA256 = /^[0-9a-f]{64}$/

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

/** The limits in force: the DEPLOY_MAX_* vars, or the defaults where unset or not a positive whole number. */
export function deployLimits(env: Pick<Env, 'DEPLOY_MAX_FILES' | 'DEPLOY_MAX_BYTES' | 'DEPLOY_MAX_FILE_BYTES'>): DeployLimits {
  return {
    maxFiles: positive(env.DEPLOY_MAX_FILES, DEFAULT_DEPLOY_LIMITS.maxFiles),
    maxBytes: positive(env.DEPLOY_MAX_BYTES, DEFAULT_DEPLOY_LIMITS.maxBytes),
    maxFileBytes: positive(env.DEPLOY_MAX_FILE_BYTES, DEFAULT_DEPLOY_LIMITS.maxFileBytes),
  }
}

/** Bytes for people: "25 MB", "1.5 KB", "12 bytes" (1 KB = 1024 bytes, as the edge's other limits count). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`
  const [value, unit] = n < 1024 ** 2 ? [n / 1024, 'KB'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'MB'] : [n / 1024 ** 3, 'GB']
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`
}

/** The largest JSON body a deployment request may be: room for the most files with long paths. */
export function manifestBodyLimit(limits: DeployLimits): number {
  return Math.min(64 * 1024 + limits.maxFiles * 700, 32 * 1024 * 1024)
}

const bad = (message: string) => new ApiError(400, 'bad_request', message)
const tooLarge = (message: string) => new ApiError(413, 'payload_too_large', message)

function optionalText(body: Record<string, unknown>, name: string, pattern: RegExp, what: string): string | null {
  const value = body[name]
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || !pattern.test(value)) throw bad(`${name} must be ${what}`)
  return value
}

/**
 * Checks a deployment request: a 400 naming the field or the file for malformed input (bad
 * paths, hashes or sizes, a path listed twice, a file that is also a folder, one hash with two
 * sizes), a 413 naming the limit (and the var that sets it) and, for a file, the file.
 */
export function checkManifest(input: unknown, limits: DeployLimits): CheckedManifest {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw bad('Send a JSON object: { project, files: [{ path, sha256, size }] }')
  const body = input as Record<string, unknown>
  if (typeof body.project !== 'string' || body.project.length === 0 || body.project.length > 200) throw bad('project is missing (at most 200 characters)')
  const repo = optionalText(body, 'repo', REPO, 'a GitHub repository as owner/name')
  const commit = optionalText(body, 'commit', /^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit id (40 hex digits)')
  const branch = optionalText(body, 'branch', /^[^\s~^:?*[\\\x00-\x1f]{1,250}$/, 'a branch name (at most 250 characters)')
  if (body.spa !== undefined && typeof body.spa !== 'boolean') throw bad('spa must be true or false')
  if (body.visibility !== undefined && body.visibility !== 'public' && body.visibility !== 'private') throw bad('visibility must be "public" or "private"')
  if (!Array.isArray(body.files)) throw bad('files must be a list of { path, sha256, size }')
  if (body.files.length === 0) throw bad('A deployment needs at least one file')
  if (body.files.length > limits.maxFiles) {
    throw tooLarge(`A deployment may hold at most ${limits.maxFiles} files (DEPLOY_MAX_FILES); this one has ${body.files.length}`)
  }

  const files: DeployFile[] = []
  const paths = new Set<string>()
  const sizeBySha = new Map<string, { size: number; path: string }>()
  let totalBytes = 0
  body.files.forEach((entry: unknown, i) => {
    if (!entry || typeof entry !== 'object') throw bad(`files[${i}] must be { path, sha256, size }`)
    const { path, sha256, size } = entry as Record<string, unknown>
    if (typeof path !== 'string') throw bad(`files[${i}].path must be a string`)
    const problem = deployPathProblem(path)
    if (problem) throw bad(`files[${i}].path "${path.slice(0, 100)}" ${problem}`)
    if (paths.has(path)) throw bad(`"${path}" is listed twice`)
    paths.add(path)
    const sha = typeof sha256 === 'string' ? sha256.toLowerCase() : ''
    if (!SHA256.test(sha)) throw bad(`"${path}": sha256 must be the file's SHA-256 in hex (64 digits)`)
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`"${path}": size must be a whole number of bytes`)
    if (size > limits.maxFileBytes) {
      throw tooLarge(`"${path}" is ${formatBytes(size)}; a file may be at most ${formatBytes(limits.maxFileBytes)} (DEPLOY_MAX_FILE_BYTES)`)
    }
    const seen = sizeBySha.get(sha)
    if (seen && seen.size !== size) throw bad(`"${path}" and "${seen.path}" have the same SHA-256 but different sizes (${size} and ${seen.size} bytes)`)
    sizeBySha.set(sha, { size, path })
    totalBytes += size
    files.push({ path, sha256: sha, size, contentType: contentTypeOf(path) })
  })
  if (totalBytes > limits.maxBytes) {
    throw tooLarge(`The files add up to ${formatBytes(totalBytes)}; a deployment may be at most ${formatBytes(limits.maxBytes)} (DEPLOY_MAX_BYTES)`)
  }
  // A path cannot be a file and a folder at once ("docs" and "docs/index.html").
  for (const path of paths) {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
      if (paths.has(path.slice(0, at))) throw bad(`"${path.slice(0, at)}" is listed as a file, but "${path}" makes it a folder`)
    }
  }
  return {
    project: body.project,
    repo,
    commit,
    branch,
    spa: body.spa === true,
    visibility: (body.visibility as DeploymentVisibility | undefined) ?? 'public',
    files,
    totalBytes,
  }
}
