import { For, Show, createSignal } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import { capsOfDraft, credits, draftOf, formatCredits, newCapRow, type CapsDraft, type SpendingCapsStatus } from './credits'
import './SpendingCaps.css'

/** "0.3 of 5 credits spent today (0.1 reserved by running calls)". */
function spentAgainst(spent: { spentMicros: number; heldMicros: number } | undefined, capMicros: number): string {
  if (!spent) return ''
  const held = spent.heldMicros ? ` (${formatCredits(spent.heldMicros)} reserved by running calls)` : ''
  return `${formatCredits(spent.spentMicros)} of ${formatCredits(capMicros)} credit${capMicros === 1_000_000 ? '' : 's'} spent today${held}`
}

/**
 * The spending caps: a daily cap for the account and per-project daily caps (add, edit, remove),
 * each with what was spent against it today, saved together. The form starts from the caps
 * `status` had when it was shown and changes only as the user types or after a successful save; a
 * save that fails keeps everything typed and says why. The figures shown are the saved caps',
 * as fresh as `status` (which `onSaved` updates).
 */
export function SpendingCaps(props: { status: SpendingCapsStatus; onSaved: (status: SpendingCapsStatus) => void }) {
  const saved = () => props.status
  const [draft, setDraft] = createStore<CapsDraft>(draftOf(props.status))
  const [error, setError] = createSignal<string | null>(null)
  const [notice, setNotice] = createSignal<string | null>(null)
  const [saving, setSaving] = createSignal(false)

  async function save(event: Event) {
    event.preventDefault()
    setNotice(null)
    const asked = capsOfDraft(draft)
    if (!asked.ok) return setError(asked.error)
    setError(null)
    setSaving(true)
    try {
      const status = await credits.setCaps(asked.caps)
      props.onSaved(status)
      setDraft(reconcile(draftOf(status)))
      setNotice('Caps saved.')
    } catch (e) {
      setError(`The caps were not saved: ${(e as Error).message}`)
    } finally {
      setSaving(false)
    }
  }

  const resets = () => new Date(saved().resetsAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })

  return (
    <section class="caps" aria-label="Spending caps">
      <h2>Spending caps</h2>
      <p class="hint">
        Model calls that would pass a cap are refused before they start. Caps count per UTC day: they start afresh at 00:00 UTC ({resets()} here).
      </p>
      <form onSubmit={(e) => void save(e)}>
        <label class="caps-row">
          <span class="caps-name">Daily cap, all projects</span>
          <input name="daily" inputMode="decimal" placeholder="no cap" value={draft.daily} onInput={(e) => setDraft('daily', e.currentTarget.value)} />
          <span class="caps-unit">credits</span>
        </label>
        <p class="caps-today" aria-label="Spent today">
          {saved().dailyMicros === null
            ? `${formatCredits(saved().today.spentMicros)} credits spent today, no daily cap`
            : spentAgainst(saved().today, saved().dailyMicros!)}
        </p>
        <h3>Per project</h3>
        <ul class="caps-projects">
          <For each={draft.projects}>
            {(row, i) => (
              <li aria-label={`Project cap ${i() + 1}`}>
                <input aria-label="Project" placeholder="project" value={row.name} onInput={(e) => setDraft('projects', i(), 'name', e.currentTarget.value)} />
                <input aria-label="Cap in credits a day" inputMode="decimal" placeholder="credits a day" value={row.cap} onInput={(e) => setDraft('projects', i(), 'cap', e.currentTarget.value)} />
                <button type="button" class="small" onClick={() => setDraft('projects', (rows) => rows.filter((r) => r.id !== row.id))}>Remove</button>
                <Show when={Object.hasOwn(saved().projects, row.name)}>
                  <span class="caps-today">{spentAgainst(saved().today.projects[row.name], saved().projects[row.name]!)}</span>
                </Show>
              </li>
            )}
          </For>
        </ul>
        <div class="caps-actions">
          <button type="button" class="small" onClick={() => setDraft('projects', (rows) => [...rows, newCapRow()])}>Add a project cap</button>
          <button type="submit" disabled={saving()}>{saving() ? 'Saving…' : 'Save caps'}</button>
        </div>
      </form>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <Show when={notice()}>
        <p role="status">{notice()}</p>
      </Show>
    </section>
  )
}
