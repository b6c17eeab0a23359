/** @module Deployments in the IDE: deploy a build of the project as a shareable preview (recorded as a run), list, share, promote and roll back. */
export { createDeployments, type Deployments, type DeploymentsOptions, type DeployRun } from './deployments'
export { runDeploy, uploadSummary, type DeployEvent, type DeployOutcome, type DeployRequest, type DeployStage } from './deploy'
export { createDeployRecorder, type DeployRecorder, type DeployRunEvent } from './recorder'
export { guessDeploySettings, type DeploySettings } from './settings'
export { deploymentsApi, DeployApiError } from './api'
export { DeployIcon } from './DeployIcon'
