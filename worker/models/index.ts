/** @module The tab's model providers (the edge, the user's own key, local servers) behind shared/models' `ModelProvider`, local-server detection, and the stored choice. */
export {
  createProvider,
  createEdgeProvider,
  createDirectProvider,
  createLocalProvider,
  costMicros,
  type CreateProviderOptions,
  type EdgeProviderOptions,
  type DirectProviderOptions,
  type LocalProviderOptions,
} from './providers'
export { detectLocalServers, LOCAL_SERVER_CANDIDATES, type DetectOptions, type LocalServer, type LocalServerCandidate } from './detect'
export {
  loadModelSettings,
  loadProviderConfig,
  saveModelSettings,
  clearModelSettings,
  checkProviderConfig,
  DEFAULT_MODEL_SETTINGS,
  type ModelSettings,
  type ModelStoreOptions,
} from './store'
export type { Fetch } from './http'
