/** @module The GitHub stand-in: a stateful local GitHub (REST, OAuth, git, webhooks) for tests and `npm start`. */
export { startGitHubStandIn, defaultSeed, type GitHubStandIn, type GitHubStandInOptions } from './server.ts'
export { servedOperations } from './api.ts'
export type { GitHubState, SeedUser, SeedRepo, SeedToken, OAuthApp, WebhookTarget, Delivery } from './state.ts'
