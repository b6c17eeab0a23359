import type { AgentEvent, RunBudget, RunEndReason, RunUsage } from '../../shared/agent'
import { ModelError, type ChatMessage, type ModelEvent, type ModelPrice, type ModelRequest, type ToolCall } from '../../shared/models'
import { BudgetTracker, StuckWatch } from './budget'
import { validate, type AgentTool, type Schema, type ToolOutcome } from './tool'

export type RunStopped = Extract<AgentEvent, { type: 'run-stopped' }>

export interface AgentRunOptions {
  runId: string
  task: string
  model: string
  /** The platform's and the repository's instructions (AGENTS.md), sent as the system prompt. */
  instructions?: string
  /** A model provider's `stream`. */
  stream: (request: ModelRequest) => AsyncIterable<ModelEvent>
  tools: AgentTool[]
  budget: RunBudget
  /** The model's price in credits per million tokens, when calls cost credits. */
  price?: ModelPrice
  /** Booked with each call at the edge. */
  project?: string
  /** Aborting stops the run (the Stop button). */
  signal: AbortSignal
  emit(event: AgentEvent): void
  /** Output tokens asked for per call (fewer when the budget is short); default 4096. */
  maxTokens?: number
  now?: () => number
  /** The prompt's size in tokens as the biller counts it (the provider's `promptTokens`); default about four characters a token. */
  promptTokens?: (request: ModelRequest) => number
  /** Runs when the agent has finished, before the run's last event (the platform commits here); throwing ends the run as an error. */
  onFinished?: (summary: string, usage: RunUsage) => Promise<void>
  /** Waits before a retry; default a timer (tests pass their own). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** Retries of one call after a rate limit or an overloaded provider. */
const RETRIES = 2
/** The longest wait before a retry, whatever the provider asks. */
const MAX_RETRY_WAIT_MS = 20_000
/** Answers in a row without a tool call before the run ends as "no action". */
const IDLE_ANSWERS = 2

const sleepFor = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new ModelError('aborted', 'Stopped'))), { once: true })
  })

/**
 * Runs one agent: asks the model, runs the tools it calls, feeds back their results, until it
 * calls a finishing tool, a budget or the stuck watch stops it, the user aborts, or the model
 * fails. Never throws for any of those: it emits `run-stopped` once, last, and resolves to it.
 * Tool failures and invalid tool input become results the model reads.
 */
export async function runAgent(options: AgentRunOptions): Promise<RunStopped> {
  const { runId, task, model, tools, emit } = options
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? sleepFor
  const tracker = new BudgetTracker(options.budget, options.price, now)
  const stuck = new StuckWatch()
  const byName = new Map(tools.map((t) => [t.spec.name, t]))
  const messages: ChatMessage[] = [{ role: 'user', content: task }]
  const wanted = options.maxTokens ?? 4096

  // One signal for everything the run starts: the user's Stop, or the wall-time limit running out.
  const controller = new AbortController()
  let timedOut = false
  const onAbort = () => controller.abort()
  options.signal.addEventListener('abort', onAbort, { once: true })
  if (options.signal.aborted) controller.abort()
  const timeLeft = tracker.timeLeft()
  const timer = timeLeft === null ? undefined : setTimeout(() => ((timedOut = true), controller.abort()), Math.max(0, timeLeft))
  const signal = controller.signal

  emit({ type: 'run-started', runId, task, model, budget: options.budget, at: now() })
  const stop = async (reason: RunEndReason, message: string, summary?: string): Promise<RunStopped> => {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onAbort)
    if (reason === 'finished' && options.onFinished) {
      try {
        await options.onFinished(summary ?? '', { ...tracker.usage, elapsedMs: tracker.elapsed() })
      } catch (error) {
        reason = 'error'
        message = `Finishing failed: ${(error as Error)?.message ?? String(error)}`
      }
    }
    const event: RunStopped = { type: 'run-stopped', reason, message, summary, usage: { ...tracker.usage, elapsedMs: tracker.elapsed() }, at: now() }
    emit(event)
    return event
  }
  const stopForAbort = (): Promise<RunStopped> =>
    timedOut ? stop('budget', `The run's time limit of ${Math.round((options.budget.maxWallMs ?? 0) / 1000)} s is reached.`) : stop('user', 'Stopped by you.')

  let idle = 0
  for (;;) {
    if (signal.aborted) return stopForAbort()
    // The request as it will go, but for the output allowance the budget decides.
    const request: ModelRequest = {
      model,
      system: options.instructions,
      messages,
      tools: tools.map((t) => t.spec),
      signal,
      meta: { project: options.project, runId, runBudgetMicros: options.budget.maxCreditsMicros },
    }
    const promptTokens = options.promptTokens?.(request) ?? Math.ceil((JSON.stringify(messages).length + (options.instructions?.length ?? 0) + JSON.stringify(request.tools).length) / 4)
    const check = tracker.beforeCall(wanted, promptTokens)
    if (!check.ok) return stop('budget', check.message)
    request.maxTokens = check.maxTokens
    tracker.countTurn()
    emit({ type: 'turn-started', turn: tracker.usage.turns, at: now() })

    let text = ''
    let calls: ToolCall[] = []
    for (let attempt = 0; ; attempt++) {
      text = ''
      calls = []
      try {
        for await (const event of options.stream(request)) {
          switch (event.type) {
            case 'text':
              text += event.text
              emit({ type: 'text', text: event.text })
              break
            case 'tool_call':
              calls.push(event.call)
              break
            case 'usage':
              for (const w of tracker.afterCall(event.inputTokens, event.outputTokens, event.costMicros)) emit({ type: 'budget-warning', ...w })
              emit({ type: 'usage', usage: { ...tracker.usage } })
              break
            case 'stop':
              break
          }
        }
        break
      } catch (error) {
        if (signal.aborted) return stopForAbort()
        const e = error instanceof ModelError ? error : new ModelError('upstream', (error as Error)?.message ?? String(error))
        if (e.kind === 'cap' || e.kind === 'credits') return stop('budget', e.message)
        if (e.kind === 'aborted') return stopForAbort()
        const retriable = (e.kind === 'rate_limit' || e.kind === 'upstream') && attempt < RETRIES && text === '' && calls.length === 0
        const wait = Math.min(MAX_RETRY_WAIT_MS, (e.retryAfter ?? 2 ** attempt) * 1000)
        const left = tracker.timeLeft()
        if (!retriable || (left !== null && wait >= left)) return stop('error', `The model call failed: ${e.message}`)
        try {
          await sleep(wait, signal)
        } catch {
          return stopForAbort()
        }
      }
    }

    messages.push({ role: 'assistant', content: text, toolCalls: calls.length ? calls : undefined })
    if (calls.length === 0) {
      if (++idle >= IDLE_ANSWERS) return stop('no_action', 'The model answered without calling a tool or finishing.', text || undefined)
      messages.push({ role: 'user', content: 'Continue with the tools; when the task is done, call `finish` with a summary of what you changed.' })
      continue
    }
    idle = 0

    for (const call of calls) {
      if (signal.aborted) return stopForAbort()
      const tool = byName.get(call.name)
      emit({ type: 'tool-started', id: call.id, name: call.name, input: call.input, at: now() })
      const started = now()
      const result = await runTool(tool, call, tools, signal)
      emit({ type: 'tool-finished', id: call.id, name: call.name, result: { ok: result.ok, output: result.output }, durationMs: now() - started })
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result.output, isError: !result.ok })
      if (signal.aborted) return stopForAbort()
      if (result.stop) return stop(result.stop.reason, result.stop.message)
      if (tool?.finishes && result.ok) return stop('finished', 'Finished.', result.output)
      const stuckReason = stuck.record(call.name, call.input, result.ok, result.output)
      if (stuckReason) return stop('stuck', stuckReason)
    }
  }
}

/** One tool call's result: unknown tools, unreadable or invalid input, and a tool's own crash become failures the model reads. */
async function runTool(tool: AgentTool | undefined, call: ToolCall, tools: AgentTool[], signal: AbortSignal): Promise<ToolOutcome> {
  if (!tool) return { ok: false, output: `There is no tool named "${call.name}". The tools are: ${tools.map((t) => t.spec.name).join(', ')}.` }
  const input = call.input as Record<string, unknown> | null
  if (input && typeof input === 'object' && '$invalidJson' in input) return { ok: false, output: `The arguments were not valid JSON: ${String(input.$invalidJson).slice(0, 200)}` }
  const problems = validate(call.input ?? {}, tool.spec.inputSchema as Schema)
  if (problems.length) return { ok: false, output: `Invalid input for ${call.name}:\n${problems.join('\n')}` }
  try {
    return await tool.run(call.input ?? {}, { signal })
  } catch (error) {
    if (signal.aborted) return { ok: false, output: 'Stopped.' }
    return { ok: false, output: `${call.name} failed: ${(error as Error)?.message ?? String(error)}` }
  }
}
