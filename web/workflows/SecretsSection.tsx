import { For, Show, createResource, createSignal } from 'solid-js'
import { formatAgo } from '../format'
import { workflowsApi } from './workflows-api'

/** Secret names as workflows name them in `policies.secrets` (and as environment variables). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A connected repository's secrets for workflow runs: their names (values are never shown again),
 * add or replace one, delete one. Runs read only those their workflow's policy names, masked in logs.
 */
export function SecretsSection(props: { repo: string }) {
  const [list, { refetch }] = createResource(() => props.repo, (repo) => workflowsApi.secrets(repo))
  const [name, setName] = createSignal('')
  const [value, setValue] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [done, setDone] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const secrets = () => (list.error ? [] : list.latest ?? [])

  const act = async (work: () => Promise<string>) => {
    setError(null)
    setDone(null)
    setBusy(true)
    try {
      setDone(await work())
      await refetch()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const save = (e: Event) => {
    e.preventDefault()
    const n = name().trim()
    if (!NAME.test(n)) return setError('A secret name is letters, digits and _, not starting with a digit (e.g. NPM_TOKEN).')
    if (!value()) return setError(`Give ${n} a value.`)
    const replacing = secrets().some((s) => s.name === n)
    void act(async () => {
      await workflowsApi.setSecret(props.repo, n, value())
      setName('')
      setValue('')
      return replacing ? `Replaced ${n}.` : `Saved ${n}.`
    })
  }

  return (
    <section class="workflow-secrets" aria-label="Secrets">
      <h2>Secrets</h2>
      <p class="hint">Values for workflow runs of {props.repo}, kept encrypted by the server. A run reads only those its workflow names under <code>policies.secrets</code>; they are masked in its logs.</p>
      <Show when={list.error}>
        <p class="error" role="alert">{(list.error as Error).message} <button type="button" class="small" onClick={() => void refetch()}>Try again</button></p>
      </Show>
      <Show when={secrets().length} fallback={<Show when={!list.loading && !list.error}><p class="hint">No secrets yet.</p></Show>}>
        <ul class="secret-list">
          <For each={secrets()}>
            {(s) => (
              <li data-secret={s.name}>
                <code>{s.name}</code> <span class="hint">updated {formatAgo(s.updatedAt)}</span>
                <button type="button" class="small" disabled={busy()} aria-label={`Delete secret ${s.name}`} onClick={() => void act(async () => (await workflowsApi.deleteSecret(props.repo, s.name), `Deleted ${s.name}.`))}>Delete</button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <form class="secret-form" onSubmit={save}>
        <label>
          Secret name <input name="secret-name" value={name()} placeholder="NPM_TOKEN" autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Secret value <input name="secret-value" type="password" value={value()} autocomplete="new-password" onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy()}>Save secret</button>
      </form>
      <Show when={done()}>
        <p class="hint" role="status">{done()}</p>
      </Show>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
    </section>
  )
}
