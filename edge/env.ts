/** The bindings wrangler.toml gives the edge worker; the one place their names and types live. */
export interface Env {
  DB: D1Database
  KV: KVNamespace
  ARTIFACTS: R2Bucket
  ASSETS: Fetcher
  APP_VERSION: string
}

/** Hono's environment type for apps and handlers running on these bindings. */
export type AppEnv = { Bindings: Env }
