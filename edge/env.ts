import type { SessionUser } from './auth/sessions'
import type { LedgerAccount } from './ledger/account'
import type { WorkflowRun } from './workflows/run-object'

/** The bindings wrangler.toml gives the edge worker; the one place their names and types live. */
export interface Env {
  DB: D1Database
  KV: KVNamespace
  ARTIFACTS: R2Bucket
  ASSETS: Fetcher
  /** Each user's credit ledger: one Durable Object per user (edge/ledger). */
  LEDGER: DurableObjectNamespace<LedgerAccount>
  /** Each workflow run's state machine: one Durable Object per run, named by its id (edge/workflows). */
  WORKFLOW_RUNS: DurableObjectNamespace<WorkflowRun>
  /** How long a runner's lease on a workflow run lasts without a heartbeat, in seconds (default 60). */
  WORKFLOW_LEASE_SECONDS?: string
  /** Credits a new user is granted once on sign-up (e.g. "5"; "0" or unset: none). */
  STARTER_CREDITS?: string
  /** "on" opens POST /api/credits/bench for the ledger-debits benchmark; nothing else sets it. */
  LEDGER_BENCH?: string
  /** "on" opens POST /v1/bench/passthrough (an unmetered relay) for the proxy-ttft benchmark; nothing else sets it. */
  PROXY_BENCH?: string
  APP_VERSION: string
  /**
   * Package upstreams the proxy (/api/packages) may reach: http(s) origins or URL prefixes,
   * separated by commas or white space. Empty or unset: none.
   */
  PACKAGE_UPSTREAMS?: string
  /** A secret: a JSON object mapping origins or URL prefixes to the token the proxy sends them. */
  PACKAGE_TOKENS?: string
  /** How long the proxy waits for an upstream's answer, in seconds (default 60). */
  PACKAGE_TIMEOUT_SECONDS?: string
  /** The IDE's public URL (`https://coder.example`), for OAuth redirect URIs and e-mailed links; the request's origin when unset. */
  APP_URL?: string
  /** More origins allowed to make state-changing calls (space/comma-separated), e.g. the Vite dev server in front of the edge. */
  APP_ORIGINS?: string
  /** GitHub's web and API base URLs (GitHub Enterprise Server: `https://ghe.example`, `https://ghe.example/api/v3`; locally, the stand-in). */
  GITHUB_WEB_URL?: string
  GITHUB_API_URL?: string
  /** The GitHub OAuth app; GitHub sign-in is off while either is unset. The secret is a Worker secret. */
  GITHUB_CLIENT_ID?: string
  GITHUB_CLIENT_SECRET?: string
  /** A secret: the GitHub webhook's secret, which signs `POST /api/github/webhook` (X-Hub-Signature-256); workflow triggers from GitHub are off while unset. */
  GITHUB_WEBHOOK_SECRET?: string
  /** Git hosts the git proxy reaches besides GitHub's web URL: http(s) origins or URL prefixes, space/comma-separated. */
  GIT_HOSTS?: string
  /** Git proxy limits: seconds to answer, seconds for a whole transfer, largest push and largest fetch in bytes. */
  GIT_TIMEOUT_SECONDS?: string
  GIT_TRANSFER_SECONDS?: string
  GIT_MAX_PUSH_BYTES?: string
  GIT_MAX_FETCH_BYTES?: string
  /** Model upstreams (JSON: `[{ name, format: 'openai'|'anthropic', baseUrl, models: ['gpt-*'] }]`), prices in credits per million tokens (JSON: `{ "gpt-4o": { input, output } }`), and the upstreams' keys (a secret, JSON: `{ name: key }`). */
  MODEL_UPSTREAMS?: string
  MODEL_PRICES?: string
  MODEL_KEYS?: string
  /** Largest run artifact in bytes (10 MB when unset). */
  RUN_ARTIFACT_MAX_BYTES?: string
  /** 32 random bytes, base64 (a Worker secret): the AES-GCM key for stored GitHub tokens. */
  TOKEN_KEY?: string
  /** How sign-in e-mails are sent: `dev-mailbox` (the local stack: logged and shown at /api/dev/mailbox); unset: e-mail sign-in is off. */
  EMAIL_DELIVERY?: string
  /** Credit packs for sale (JSON: `[{ "id": "small", "credits": 10, "amount": 1000, "currency": "usd", "name": "10 credits" }]`, amount in cents). */
  CREDIT_PACKS?: string
  /** Stripe's API base (default https://api.stripe.com; locally, the stand-in in standins/stripe). */
  STRIPE_API_URL?: string
  /** Secrets: the Stripe API key (`sk_…`) and the webhook endpoint's signing secret (`whsec_…`); buying credits is off while unset. */
  STRIPE_SECRET_KEY?: string
  STRIPE_WEBHOOK_SECRET?: string
  /** Deployment limits: most files (default 20,000), most bytes in all (default 100 MB), largest file in bytes (default 25 MB). */
  DEPLOY_MAX_FILES?: string
  DEPLOY_MAX_BYTES?: string
  DEPLOY_MAX_FILE_BYTES?: string
  /** A secret (e.g. 32 random bytes, base64): the HMAC key of signed links to private deployments; creating links is refused (503) while unset. */
  DEPLOY_LINK_KEY?: string
  /** A deployment's preview URL, `{id}` standing for its id (`https://{id}.preview.example`, locally `http://{id}.localhost:8790`); unset: responses carry no URL. */
  PREVIEW_URL_TEMPLATE?: string
  /** Origins allowed to frame a preview (the IDE's, space-separated: its preview pane); unset: APP_URL, and without that, none. */
  PREVIEW_FRAME_ANCESTORS?: string
}

/** Hono's environment type for apps and handlers running on these bindings. */
export type AppEnv = { Bindings: Env; Variables: { user: SessionUser | null } }
