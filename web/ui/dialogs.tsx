import { For, Show, createSignal, type JSX } from 'solid-js'
import { Modal } from './Modal'

/** A question on screen: a text prompt or a choice between buttons. */
export type Ask =
  | { kind: 'prompt'; title: string; label: string; value: string; validate?: (v: string) => string | null; resolve: (v: string | null) => void }
  | { kind: 'choose'; title: string; message: JSX.Element; choices: Array<{ label: string; value: string; danger?: boolean }>; resolve: (v: string | null) => void }

/**
 * Promise-based dialogs for the UI: `prompt` resolves to the text or null (cancelled), `choose`
 * to the chosen value or null. Render `<Dialogs />` once.
 */
export function createDialogs() {
  const [current, setCurrent] = createSignal<Ask | null>(null)
  const finish = (v: string | null) => {
    const c = current()
    setCurrent(null)
    c?.resolve(v)
  }
  return {
    prompt: (title: string, label: string, value = '', validate?: (v: string) => string | null) =>
      new Promise<string | null>((resolve) => setCurrent({ kind: 'prompt', title, label, value, validate, resolve })),
    choose: (title: string, message: JSX.Element, choices: Array<{ label: string; value: string; danger?: boolean }>) =>
      new Promise<string | null>((resolve) => setCurrent({ kind: 'choose', title, message, choices, resolve })),
    Dialogs: () => (
      <Show when={current()}>
        {(ask) => {
          const a = ask()
          if (a.kind === 'choose')
            return (
              <Modal label={a.title} close={() => finish(null)}>
                <h2>{a.title}</h2>
                <div class="message">{a.message}</div>
                <div class="actions">
                  <button type="button" onClick={() => finish(null)}>Cancel</button>
                  <For each={a.choices}>
                    {(c) => (
                      <button type="button" classList={{ danger: !!c.danger }} onClick={() => finish(c.value)}>
                        {c.label}
                      </button>
                    )}
                  </For>
                </div>
              </Modal>
            )
          const [value, setValue] = createSignal(a.value)
          const [error, setError] = createSignal<string | null>(null)
          const submit = (e: Event) => {
            e.preventDefault()
            const problem = a.validate?.(value()) ?? (value().trim() ? null : 'This cannot be empty.')
            if (problem) return setError(problem)
            finish(value().trim())
          }
          return (
            <Modal label={a.title} close={() => finish(null)}>
              <form class="dialog-form" onSubmit={submit}>
                <h2>{a.title}</h2>
                <label>
                  {a.label}
                  <input
                    value={value()}
                    autofocus
                    onInput={(e) => (setValue(e.currentTarget.value), setError(null))}
                    ref={(el) => queueMicrotask(() => el.setSelectionRange(0, el.value.lastIndexOf('.') > 0 ? el.value.lastIndexOf('.') : el.value.length))}
                  />
                </label>
                <Show when={error()}>
                  <p class="error" role="alert">{error()}</p>
                </Show>
                <div class="actions">
                  <button type="button" onClick={() => finish(null)}>Cancel</button>
                  <button type="submit">OK</button>
                </div>
              </form>
            </Modal>
          )
        }}
      </Show>
    ),
  }
}

export type Dialogs = ReturnType<typeof createDialogs>
