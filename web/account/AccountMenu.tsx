import { Match, Show, Switch, createSignal } from 'solid-js'
import { Modal } from '../ui/Modal'
import type { Account, AccountUser } from './account'

/** The account corner of a header bar: "Sign in", or the user's avatar with a menu to sign out. */
export function AccountMenu(props: { account: Account }) {
  const [dialog, setDialog] = createSignal(false)
  const [menu, setMenu] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const state = props.account.state
  const signOut = async (everywhere: boolean) => {
    setMenu(false)
    await props.account.signOut({ everywhere }).catch((e: unknown) => setError((e as Error).message))
  }
  return (
    <span class="account">
      <Switch>
        <Match when={state().status === 'signed-out'}>
          <button type="button" class="small" onClick={() => setDialog(true)}>Sign in</button>
        </Match>
        <Match when={state().status === 'signed-in' && (state() as { user: AccountUser }).user}>
          {(user) => (
            <>
              <button type="button" class="small account-button" aria-haspopup="menu" aria-expanded={menu()} title={`Signed in as ${label(user())}`} onClick={() => setMenu(!menu())}>
                <Avatar user={user()} /> {user().login ?? user().email}
              </button>
              <Show when={menu()}>
                <div class="account-menu" role="menu" aria-label="Account" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
                  <p class="hint">Signed in as <strong>{label(user())}</strong></p>
                  <button type="button" role="menuitem" onClick={() => void signOut(false)}>Sign out</button>
                  <button type="button" role="menuitem" onClick={() => void signOut(true)}>Sign out everywhere</button>
                </div>
              </Show>
            </>
          )}
        </Match>
      </Switch>
      <Show when={error()}>
        <span class="error" role="alert">{error()}</span>
      </Show>
      <Show when={dialog() && state()}>{(s) => <SignInDialog account={props.account} providers={'providers' in s() ? (s() as { providers: { github: boolean; email: boolean } }).providers : { github: false, email: false }} close={() => setDialog(false)} />}</Show>
    </span>
  )
}

const label = (u: AccountUser) => u.name ?? u.login ?? u.email ?? 'you'

/** The user's GitHub avatar, or their initial when there is none (or it does not load). */
function Avatar(props: { user: AccountUser }) {
  const [failed, setFailed] = createSignal(false)
  return (
    <Show when={props.user.avatarUrl && !failed()} fallback={<span class="avatar initial" aria-hidden="true">{label(props.user).slice(0, 1).toUpperCase()}</span>}>
      <img class="avatar" src={props.user.avatarUrl!} alt="" crossOrigin="anonymous" width="18" height="18" onError={() => setFailed(true)} />
    </Show>
  )
}

function SignInDialog(props: { account: Account; providers: { github: boolean; email: boolean }; close(): void }) {
  const [email, setEmail] = createSignal('')
  const [sent, setSent] = createSignal<string | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const send = async (e: Event) => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    try {
      await props.account.emailLink(email().trim())
      setSent(email().trim())
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal label="Sign in" close={props.close} class="sign-in">
      <h2>Sign in to Coder</h2>
      <p class="hint">Editing, running and local repositories work without an account. Signing in lets Coder push to GitHub and open pull requests for you; your GitHub token stays on the server.</p>
      <Show when={!props.providers.github && !props.providers.email}>
        <p role="alert">This server has no sign-in configured.</p>
      </Show>
      <Show when={props.providers.github}>
        <button type="button" class="primary" onClick={() => props.account.signInWithGitHub()}>Continue with GitHub</button>
      </Show>
      <Show when={props.providers.email}>
        <Show
          when={!sent()}
          fallback={
            <p role="status">
              We sent a sign-in link to <strong>{sent()}</strong>. It works once, for 15 minutes.
            </p>
          }
        >
          <form class="dialog-form" onSubmit={(e) => void send(e)}>
            <label>
              E-mail <input type="email" required autocomplete="email" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} placeholder="you@example.com" />
            </label>
            <button type="submit" disabled={busy()}>Email me a link</button>
          </form>
        </Show>
      </Show>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <div class="actions">
        <button type="button" onClick={props.close}>Close</button>
      </div>
    </Modal>
  )
}
