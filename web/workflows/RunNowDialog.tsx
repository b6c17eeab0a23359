import { For, Match, Show, Switch, createSignal } from 'solid-js'
import { checkInputs, type Workflow, type WorkflowInput, type WorkflowRunView } from '../../shared/workflow'
import { Modal } from '../ui/Modal'
import { workflowsApi } from './workflows-api'

/** The form's value of an input before checking: text for strings, numbers and choices, a flag for booleans. */
const initial = (input: WorkflowInput): string | boolean => (input.type === 'boolean' ? input.default === true : input.default === undefined ? '' : String(input.default))

/**
 * "Run now": a form generated from the workflow's `on.manual.inputs`; the values are checked
 * (types, required, choices) before the run is queued at the edge with the file as this branch
 * has it. `started` gets the queued run.
 */
export function RunNowDialog(props: { workflow: Workflow; path: string; source: string; repo: string; ref: string | null; close(): void; started(run: WorkflowRunView): void }) {
  const inputs = Object.entries(props.workflow.on.manual?.inputs ?? {})
  const [values, setValues] = createSignal<Record<string, string | boolean>>(Object.fromEntries(inputs.map(([name, input]) => [name, initial(input)])))
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const set = (name: string, value: string | boolean) => setValues((v) => ({ ...v, [name]: value }))

  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    // Empty fields are left out, so defaults apply and a missing required one is named.
    const given: Record<string, unknown> = {}
    for (const [name, input] of inputs) {
      const value = values()[name]
      if (input.type === 'boolean') given[name] = value === true
      else if (typeof value === 'string' && value.trim() !== '') given[name] = input.type === 'number' ? Number(value) : value
    }
    const checked = checkInputs(props.workflow, given)
    if (!checked.ok) return setError(checked.message)
    setBusy(true)
    try {
      const run = await workflowsApi.startRun(props.repo, { path: props.path, source: props.source, ref: props.ref ?? undefined, inputs: checked.inputs })
      props.close()
      props.started(run)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal label={`Run ${props.workflow.name}`} close={props.close}>
      <form class="dialog-form run-now" onSubmit={(e) => void submit(e)}>
        <h2>Run {props.workflow.name}</h2>
        <p class="hint">
          Queues a run of {props.path} as it is in {props.ref ? <code>{props.ref}</code> : 'this branch'}, for {props.repo}. A runner (this tab, when it runs workflow jobs, or a headless one) picks it up.
        </p>
        <For each={inputs}>
          {([name, input]) => (
            <Switch>
              <Match when={input.type === 'boolean'}>
                <label class="checkbox">
                  <input type="checkbox" name={name} checked={values()[name] === true} onChange={(e) => set(name, e.currentTarget.checked)} />
                  {name}
                  <Show when={input.description}> <span class="hint">— {input.description}</span></Show>
                </label>
              </Match>
              <Match when={input.type === 'choice'}>
                <label>
                  <span>{name}{input.required ? ' (required)' : ''}<Show when={input.description}> <span class="hint">— {input.description}</span></Show></span>
                  <select name={name} value={String(values()[name])} onChange={(e) => set(name, e.currentTarget.value)}>
                    <Show when={!input.required || input.default === undefined}>
                      <option value="">{input.required ? 'Choose…' : '(default)'}</option>
                    </Show>
                    <For each={input.options ?? []}>{(o) => <option value={o}>{o}</option>}</For>
                  </select>
                </label>
              </Match>
              <Match when={true}>
                <label>
                  <span>{name}{input.required ? ' (required)' : ''}<Show when={input.description}> <span class="hint">— {input.description}</span></Show></span>
                  <input name={name} type={input.type === 'number' ? 'number' : 'text'} step={input.type === 'number' ? 'any' : undefined} value={String(values()[name])} onInput={(e) => set(name, e.currentTarget.value)} />
                </label>
              </Match>
            </Switch>
          )}
        </For>
        <Show when={inputs.length === 0}>
          <p class="hint">This workflow takes no inputs.</p>
        </Show>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
        <div class="actions">
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit" class="primary" disabled={busy()}>{busy() ? 'Queueing…' : 'Run'}</button>
        </div>
      </form>
    </Modal>
  )
}
