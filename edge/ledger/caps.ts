/**
 * Spending caps: checking what a user sends (`PUT /api/credits/caps`), the UTC days caps count
 * in, and the messages a refused hold carries. Plain functions; the ledger's Durable Object
 * (./account.ts) applies the caps inside the same step as the hold they judge.
 */
import { MAX_CAPPED_PROJECTS, MAX_PROJECT_NAME } from '../../shared/credits'
import { ApiError } from '../errors'
import type { CapHit, SpendingCaps } from './types'

const DAY_MS = 24 * 60 * 60 * 1000

/** The UTC day of `now`, as YYYY-MM-DD. */
export const utcDay = (now: number): string => new Date(now).toISOString().slice(0, 10)

/** When the UTC day of `now` ends (ms since the epoch): the moment daily caps start afresh. */
export const endOfUtcDay = (now: number): number => (Math.floor(now / DAY_MS) + 1) * DAY_MS

/** A whole, non-negative number of micro-credits, or a 400 naming `what`. */
function micros(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ApiError(400, 'bad_request', `${what} must be a whole number of micro-credits, 0 or more (1 credit = 1,000,000), not ${JSON.stringify(value) ?? String(value)}`)
  }
  return value
}

/** Why `name` cannot name a project, or null when it can. */
export function projectNameProblem(name: string): string | null {
  if (name.length === 0) return 'A project name cannot be empty'
  if (name.length > MAX_PROJECT_NAME) return `The project name "${name.slice(0, 40)}…" is longer than ${MAX_PROJECT_NAME} characters`
  if (name.trim() !== name) return `The project name "${name}" starts or ends with a space`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `The project name ${JSON.stringify(name)} contains control characters`
  return null
}

/**
 * The caps a `PUT /api/credits/caps` body asks for: `{ dailyMicros: number | null, projects:
 * { [name]: number } }`, both fields required (null and {} for none). Throws a 400 `ApiError`
 * naming the first thing wrong; never returns anything it did not check.
 */
export function validateCaps(body: unknown): SpendingCaps {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'The caps must be a JSON object: { "dailyMicros": number | null, "projects": { "<project>": number } }')
  const fields = body as Record<string, unknown>
  const unknown = Object.keys(fields).filter((k) => k !== 'dailyMicros' && k !== 'projects')
  if (unknown.length) throw new ApiError(400, 'bad_request', `Unknown field ${unknown.map((k) => `"${k}"`).join(', ')}: the caps have only dailyMicros and projects`)
  if (!('dailyMicros' in fields)) throw new ApiError(400, 'bad_request', 'dailyMicros is missing: a whole number of micro-credits, or null for no daily cap')
  if (!('projects' in fields)) throw new ApiError(400, 'bad_request', 'projects is missing: an object of project name → micro-credits a day, {} for none')
  const dailyMicros = fields.dailyMicros === null ? null : micros(fields.dailyMicros, 'dailyMicros')
  const projects = fields.projects
  if (!projects || typeof projects !== 'object' || Array.isArray(projects)) throw new ApiError(400, 'bad_request', 'projects must be an object of project name → micro-credits a day')
  const entries = Object.entries(projects as Record<string, unknown>)
  if (entries.length > MAX_CAPPED_PROJECTS) throw new ApiError(400, 'bad_request', `At most ${MAX_CAPPED_PROJECTS} projects can have a cap; ${entries.length} were sent`)
  for (const [name, value] of entries) {
    const problem = projectNameProblem(name)
    if (problem) throw new ApiError(400, 'bad_request', problem)
    micros(value, `The cap of project "${name}"`)
  }
  return { dailyMicros, projects: Object.fromEntries(entries) as Record<string, number> }
}

/** Credits as a cap is stated: `5`, `0.05`, `2.5`. */
const credits = (micros: number) => {
  const n = String(Number((micros / 1e6).toFixed(6)))
  return `${n} credit${n === '1' ? '' : 's'}`
}
/** Credits to four places, as what was spent or held is stated. */
const fixed = (micros: number) => (micros / 1e6).toFixed(4)

/**
 * What a person reads when a cap refuses a hold: which cap, what was spent or held against it,
 * what was asked (`call`: a model call's worst case; `hold`: a hold asked for through the API),
 * and how to get going again.
 */
export function capMessage(hit: CapHit, what: 'call' | 'hold'): string {
  const asked = what === 'call' ? `this call may cost up to ${fixed(hit.needMicros)}` : `this hold needs ${fixed(hit.needMicros)}`
  switch (hit.scope) {
    case 'day':
      return `Today's spending cap of ${credits(hit.capMicros)} is reached: ${fixed(hit.usedMicros)} spent or held, ${asked}. Raise the cap on the Credits page, or wait until 00:00 UTC.`
    case 'project':
      return `The daily spending cap of ${credits(hit.capMicros)} for the project "${hit.name}" is reached: ${fixed(hit.usedMicros)} spent or held today, ${asked}. Raise the project's cap on the Credits page, or wait until 00:00 UTC.`
    case 'run':
      return `This run's budget of ${credits(hit.capMicros)} is used up: ${fixed(hit.usedMicros)} spent or held, ${asked}. Give the run a larger budget${what === 'call' ? ', or lower max_tokens' : ''}.`
    default:
      return unreachable(hit.scope)
  }
}

function unreachable(x: never): never {
  throw new Error(`Unknown cap scope ${String(x)}`)
}
