import { createSignal } from 'solid-js'
import type { Settings } from './settings'

/** Author name and e-mail for commits (stored in this browser). */
export function SettingsDialog(props: { settings: Settings; save: (s: Settings) => void; close: () => void }) {
  const [name, setName] = createSignal(props.settings.author.name)
  const [email, setEmail] = createSignal(props.settings.author.email)
  const [error, setError] = createSignal<string | null>(null)
  const submit = (e: Event) => {
    e.preventDefault()
    if (email().trim() && !/^[^\s@]+@[^\s@]+$/.test(email().trim())) return setError('That e-mail address does not look right.')
    props.save({ ...props.settings, author: { name: name().trim(), email: email().trim() } })
    props.close()
  }
  return (
    <div class="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && props.close()}>
      <form class="dialog" role="dialog" aria-label="Settings" onSubmit={submit}>
        <h2>Settings</h2>
        <label>
          Author name <input name="author-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} autofocus />
        </label>
        <label>
          Author e-mail <input name="author-email" type="email" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        {error() && <p class="error" role="alert">{error()}</p>}
        <div class="actions">
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit">Save</button>
        </div>
      </form>
    </div>
  )
}
