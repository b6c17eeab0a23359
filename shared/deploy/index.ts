/** @module Deployments (shareable previews): the /api/deployments request and response shapes, shared by the edge and the IDE, and the rules for a deployed file's path. */

/** `uploading` until every file's bytes are stored and it is finalized; `failed` when the upload was not finished in time. */
export type DeploymentStatus = 'uploading' | 'ready' | 'failed' | 'deleted'

/** `public`: anyone with the preview URL (a random id) sees it; `private`: only through a signed link. */
export type DeploymentVisibility = 'public' | 'private'

/** A file of a build output as the client lists it; the edge derives its content type from the extension. */
export interface DeployFileInput {
  /** Relative to the output's root, `/`-separated and normalised: `index.html`, `assets/app-1a2b.js`. */
  path: string
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string
  size: number
}

export interface DeployFile extends DeployFileInput {
  contentType: string
}

/** `POST /api/deployments`. */
export interface CreateDeploymentRequest {
  /** The IDE's project id (as run records name it). */
  project: string
  /** `owner/name` of a connected GitHub repository: its members see and manage the deployment too. */
  repo?: string
  commit?: string
  branch?: string
  /** Unknown paths without a file extension are answered with `index.html` (single-page apps). Default false. */
  spa?: boolean
  /** Default `public`. */
  visibility?: DeploymentVisibility
  files: DeployFileInput[]
}

/** A deployment as the API answers it. */
export interface Deployment {
  id: string
  project: string
  repo: string | null
  commit: string | null
  branch: string | null
  /** Who created it: the user's id and name (their login or e-mail address when they gave no name). */
  author: { id: string; name: string | null }
  status: DeploymentStatus
  createdAt: number
  readyAt: number | null
  totalBytes: number
  fileCount: number
  spa: boolean
  visibility: DeploymentVisibility
  /** Where the preview is served, when the edge knows its preview origin (PREVIEW_URL_TEMPLATE). */
  url?: string
}

/** `GET /api/deployments/:id`: the manifest with its files, sorted by path (none once deleted). */
export interface DeploymentDetails extends Deployment {
  files: DeployFile[]
}

/** `201` from `POST /api/deployments`: the hashes whose bytes the edge does not have yet, each once, in file order. */
export interface CreateDeploymentResponse {
  deployment: Deployment
  missing: string[]
}

/** `PUT /api/deployments/:id/blobs/:sha256` (the raw bytes): `stored` is false when the edge had them already. */
export interface BlobUploadResponse {
  sha256: string
  size: number
  stored: boolean
}

/** `POST /api/deployments/:id/blobs?hashes=a,b,…` (the bytes one after another): how many were received, and which were new. */
export interface BlobBatchResponse {
  received: number
  stored: string[]
}

/** What one batch upload may hold: files small enough to share a request go together, up to these. */
export const MAX_DEPLOY_BATCH = { files: 100, bytes: 8 * 1024 * 1024 } as const

/** `409` from `POST /api/deployments/:id/finalize` while bytes are missing: upload `missing` and finalize again. */
export interface FinalizeConflictBody {
  error: { code: 'conflict'; message: string }
  missing: Array<{ sha256: string; path: string }>
}

/** `GET /api/deployments?project=&before=&limit=`: newest first; `before` is a `createdAt` for the next page. */
export interface DeploymentList {
  deployments: Deployment[]
  more: boolean
}

/** `POST /api/deployments/:id/links`. */
export interface DeploymentLinkRequest {
  /** Between 60 seconds and 30 days; one day when left out. */
  expiresInSeconds?: number
}

/** A signed link to a (private) deployment: `url` (the preview URL carrying the token) when the edge knows its preview origin. */
export interface DeploymentLink {
  url?: string
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

/** The query parameter a signed link carries its token in. */
export const DEPLOY_LINK_PARAM = 'token'

/** `POST /api/deployments/production`. */
export interface PromoteRequest {
  project: string
  deploymentId: string
}

/** `POST /api/deployments/production/rollback`. */
export interface RollbackRequest {
  project: string
}

/** One move of a project's production alias. */
export interface ProductionChange {
  action: 'promote' | 'rollback'
  from: string | null
  to: string
  by: { id: string; name: string | null }
  at: number
}

/** `GET /api/deployments/production?project=` and the answer of promote and rollback; `history` newest first. */
export interface ProductionState {
  project: string
  current: Deployment | null
  previous: Deployment | null
  history: ProductionChange[]
  /** Where production is served, when the edge knows its preview origin and the project's id fits in a host name. */
  url?: string
}

/** The edge's limits when its DEPLOY_MAX_* vars are unset. */
export const DEFAULT_DEPLOY_LIMITS = {
  maxFiles: 20_000,
  maxBytes: 100 * 1024 * 1024,
  maxFileBytes: 25 * 1024 * 1024,
} as const

/** The longest path a deployed file may have. */
export const MAX_DEPLOY_PATH = 500

/**
 * Why `path` cannot name a deployed file, or null when it can: it must be relative (no leading
 * `/`), use `/` only (no `\`), be normalised (no empty, `.` or `..` segments, no trailing `/`),
 * hold no control characters, and be at most MAX_DEPLOY_PATH characters.
 */
export function deployPathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty'
  if (path.length > MAX_DEPLOY_PATH) return `is longer than ${MAX_DEPLOY_PATH} characters`
  if (path.includes('\\')) return 'contains a backslash (use / between folders)'
  if (path.startsWith('/')) return 'starts with / (paths are relative to the output folder)'
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) return 'contains a control character'
  for (const segment of path.split('/')) {
    if (segment === '..') return 'contains ".." (it would leave the output folder)'
    if (segment === '.' || segment === '') return 'is not normalised (an empty or "." segment)'
  }
  return null
}
