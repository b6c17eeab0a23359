import { For, Show, createSignal, onCleanup, onMount } from 'solid-js'
import { createAgentClient } from '../agent/agent-client'
import { createSettings, packageEnv } from '../settings/settings'
import { runRunnerLoop, type RunnerActivity } from './runner-loop'

declare global {
  interface Window {
    /** The headless runner's CLI reads this: the last activity, and whether the loop ended. */
    __coderRunner?: { activity: RunnerActivity | null; ended: boolean }
  }
}

/**
 * The page the headless runner (`npx coder-runner`) drives in Chromium: `/runner?name=<n>[&once=1]`,
 * opened with a session the CLI got for its runner token. It runs the same loop and engine as an
 * IDE tab — claim, run the job in an agent worker, repeat — and prints each step to the console,
 * which the CLI copies to its output.
 */
export function RunnerPage() {
  const params = new URLSearchParams(location.search)
  const name = params.get('name')?.slice(0, 60) || `headless-${crypto.randomUUID().slice(0, 8)}`
  const once = params.get('once') === '1'
  const { settings, dispose: disposeSettings } = createSettings()
  const [activity, setActivity] = createSignal<RunnerActivity | null>(null)
  const [lines, setLines] = createSignal<string[]>([])
  const agent = createAgentClient()
  const controller = new AbortController()
  window.__coderRunner = { activity: null, ended: false }
  const say = (line: string) => {
    console.log(`[coder-runner] ${line}`)
    setLines((l) => [...l.slice(-199), line])
  }

  onMount(() => {
    say(`runner ${name} started; waiting for jobs`)
    void runRunnerLoop({
      name,
      agent,
      once,
      signal: controller.signal,
      env: () => packageEnv(settings()),
      author: () => settings().author,
      onActivity(a) {
        setActivity(a)
        window.__coderRunner!.activity = a
        if (a.type === 'job') say(`${a.repo} · ${a.workflowName} (run ${a.runId}) · ${a.step}`)
        else if (a.type === 'done') say(`run ${a.runId} ${a.outcome.status}${a.outcome.reason ? `: ${a.outcome.reason}` : ''}`)
        else if (a.type === 'error') say(`error: ${a.message}`)
      },
      onLog(event) {
        if (event.type === 'step') say(`  step ${event.index + 1} ${event.name}: ${event.status}`)
      },
    }).finally(() => {
      window.__coderRunner!.ended = true
      say('runner stopped')
    })
  })
  onCleanup(() => {
    controller.abort()
    agent.dispose()
    disposeSettings()
  })

  return (
    <main class="runner-page" aria-label="Headless runner">
      <h1>Runner {name}</h1>
      <p role="status">
        <Show when={activity()?.type === 'job' && (activity() as Extract<RunnerActivity, { type: 'job' }>)} fallback="Waiting for workflow jobs…">
          {(job) => `Running ${job().workflowName} on ${job().repo} · ${job().step}`}
        </Show>
      </p>
      <pre class="runner-log">
        <For each={lines()}>{(line) => `${line}\n`}</For>
      </pre>
    </main>
  )
}
