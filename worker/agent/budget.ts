import type { BudgetLimit, RunBudget, RunUsage } from '../../shared/agent'
import type { ModelPrice } from '../../shared/models'

/** What a run may do next: make a call (with at most `maxTokens` of output), or stop, and why. */
export type BudgetCheck = { ok: true; maxTokens: number } | { ok: false; limit: BudgetLimit; message: string }

/** Below this many output tokens a call cannot do useful work: the run stops instead. */
const MIN_USEFUL_TOKENS = 64
/** A warning is given once per limit when this share of it is used. */
const WARN_AT = 0.8

const credits = (micros: number) => (micros / 1e6).toFixed(micros < 1_000_000 ? 4 : 2)
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`

/**
 * Keeps one run within its budget: asked before every model call, told after each. It never lets
 * a call start whose worst case (its prompt plus its whole output allowance at the model's price)
 * could take the run past its credits, so a run overspends by nothing; the edge checks the same
 * again (the run's budget goes with each call) and its refusal stops the run too.
 */
export class BudgetTracker {
  readonly usage: RunUsage = { turns: 0, inputTokens: 0, outputTokens: 0, costMicros: 0, elapsedMs: 0 }
  #warned = new Set<BudgetLimit>()
  readonly #started: number

  constructor(
    readonly budget: RunBudget,
    /** Credits per million tokens, when calls cost credits. */
    readonly price: ModelPrice | undefined,
    readonly now: () => number = Date.now,
  ) {
    this.#started = now()
  }

  /** Milliseconds since the run started. */
  elapsed(): number {
    return this.now() - this.#started
  }

  /** Milliseconds left before the wall-time limit, or null without one. */
  timeLeft(): number | null {
    return this.budget.maxWallMs === undefined ? null : this.budget.maxWallMs - (this.now() - this.#started)
  }

  /** The micro-credits still unspent, or null without a credits limit. */
  creditsLeft(): number | null {
    return this.budget.maxCreditsMicros === undefined ? null : this.budget.maxCreditsMicros - this.usage.costMicros
  }

  /** Whether the next call may go ahead, and with how many output tokens at most (`wanted` or fewer), given its prompt's size in tokens. */
  beforeCall(wanted: number, promptTokens: number): BudgetCheck {
    this.usage.elapsedMs = this.now() - this.#started
    const { maxTurns, maxWallMs, maxCreditsMicros } = this.budget
    if (maxTurns !== undefined && this.usage.turns >= maxTurns) return { ok: false, limit: 'turns', message: `The run's budget of ${maxTurns} model call${maxTurns === 1 ? '' : 's'} is used up.` }
    if (maxWallMs !== undefined && this.usage.elapsedMs >= maxWallMs) return { ok: false, limit: 'time', message: `The run's time limit of ${seconds(maxWallMs)} is reached.` }
    if (maxCreditsMicros === undefined || !this.price) return { ok: true, maxTokens: wanted }
    const left = maxCreditsMicros - this.usage.costMicros
    const promptMicros = promptTokens * this.price.input
    const affordable = this.price.output > 0 ? Math.floor((left - promptMicros) / this.price.output) : wanted
    if (affordable < Math.min(wanted, MIN_USEFUL_TOKENS)) {
      return { ok: false, limit: 'credits', message: `The run's budget of ${credits(maxCreditsMicros)} credits is used up: ${credits(this.usage.costMicros)} spent, and the next call could cost up to ${credits(promptMicros + Math.min(wanted, MIN_USEFUL_TOKENS) * this.price.output)}.` }
    }
    return { ok: true, maxTokens: Math.min(wanted, affordable) }
  }

  /** Counts a call that was made. */
  countTurn(): void {
    this.usage.turns++
  }

  /** Adds a call's usage; returns the warnings newly due (each limit warns once, at 80%). */
  afterCall(inputTokens: number, outputTokens: number, costMicros: number | undefined): Array<{ limit: BudgetLimit; message: string }> {
    this.usage.inputTokens += inputTokens
    this.usage.outputTokens += outputTokens
    this.usage.costMicros += costMicros ?? (this.price ? Math.ceil(inputTokens * this.price.input) + Math.ceil(outputTokens * this.price.output) : 0)
    this.usage.elapsedMs = this.now() - this.#started
    const warnings: Array<{ limit: BudgetLimit; message: string }> = []
    const warn = (limit: BudgetLimit, used: number, max: number | undefined, what: string) => {
      if (max === undefined || max <= 0 || used < max * WARN_AT || this.#warned.has(limit)) return
      this.#warned.add(limit)
      warnings.push({ limit, message: `${Math.round((used / max) * 100)}% of the run's ${what} is used.` })
    }
    warn('credits', this.usage.costMicros, this.budget.maxCreditsMicros, `budget of ${this.budget.maxCreditsMicros === undefined ? '' : credits(this.budget.maxCreditsMicros)} credits`)
    warn('turns', this.usage.turns, this.budget.maxTurns, `${this.budget.maxTurns} model calls`)
    warn('time', this.usage.elapsedMs, this.budget.maxWallMs, `time limit`)
    return warnings
  }
}

/** How many times the same failing step may happen before the run is stuck. */
export const STUCK_AFTER = 3

/** JSON with sorted keys, so the same input always gives the same text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

/**
 * Spots a fix-loop: the same tool, with the same input, failing the same way, `STUCK_AFTER` times in
 * one run (a test run failing with the same failures after each "fix" is the common case).
 */
export class StuckWatch {
  #seen = new Map<string, number>()

  /** Records a step; returns the reason to stop when this failing step has now happened `STUCK_AFTER` times. */
  record(name: string, input: unknown, ok: boolean, output: string): string | null {
    if (ok) return null
    const key = `${name}\u0000${stableJson(input)}\u0000${output.slice(0, 2000)}`
    const count = (this.#seen.get(key) ?? 0) + 1
    this.#seen.set(key, count)
    if (count < STUCK_AFTER) return null
    const firstLine = output.split('\n').find((l) => l.trim()) ?? ''
    return `Stuck: \`${name}\` failed the same way ${count} times (${firstLine.slice(0, 160)}). Stopped before spending more.`
  }
}
