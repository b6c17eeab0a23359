/**
 * @module Deployments (shareable previews): build outputs of a project's workspace, their files
 * content-addressed in R2 (`blobs/<sha256>`, shared with run artifacts) and their manifests in D1;
 * the /api/deployments routes; each project's production alias; signed links to private
 * deployments; and what the preview worker calls to serve them.
 */
export { createDeploymentRoutes } from './routes'
export { resolveDeployment, readDeploymentFile, type ServedDeployment, type DeploymentFileResult } from './serve'
export { verifyDeploymentLink, signDeploymentLink } from './links'
export { contentTypeOf } from '../../shared/mime'
export { deployLimits, type DeployLimits } from './manifest'
export { servePreview, previewKey, previewCsp, DeploymentFiles, PREVIEW_COOKIE } from './preview'
