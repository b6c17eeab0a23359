import { For, Match, Show, Switch, createResource, createSignal } from 'solid-js'
import { Modal } from '../ui/Modal'
import type { Account, AccountUser } from './account'

/** The account corner of a header bar: "Sign in", or the user's avatar with a menu to sign out. */
export function AccountMenu(props: { account: Account; openCredits?: () => void }) {
  const [dialog, setDialog] = createSignal(false)
  const [menu, setMenu] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [tokens, setTokens] = createSignal(false)
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
                  <button type="button" role="menuitem" onClick={() => (setMenu(false), props.openCredits ? props.openCredits() : location.assign('/credits'))}>Credits and usage</button>
                  <button type="button" role="menuitem" onClick={() => (setMenu(false), setTokens(true))}>Git host tokens…</button>
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
      <Show when={tokens()}>
        <HostTokensDialog account={props.account} close={() => setTokens(false)} />
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

/**
 * Access tokens for git hosts other than GitHub (GitLab, Gitea, a self-hosted server): saved at
 * the edge, which adds them to this user's clones and pushes through its git proxy.
 */
function HostTokensDialog(props: { account: Account; close(): void }) {
  const [hosts, { refetch }] = createResource(() => props.account.gitHosts().then((all) => all.filter((h) => !h.github)))
  const [error, setError] = createSignal<string | null>(null)
  const [saved, setSaved] = createSignal<string | null>(null)
  const save = async (host: string, token: string | null, username: string) => {
    setError(null)
    setSaved(null)
    try {
      await props.account.saveHostToken(host, token, username)
      setSaved(token === null ? `Forgot the token for ${host}.` : `Saved the token for ${host}.`)
      void refetch()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <Modal label="Git host tokens" close={props.close}>
      <h2>Git host tokens</h2>
      <p class="hint">For private repositories on hosts other than GitHub. Tokens are kept encrypted by the server and added to your git traffic there; this page never sees them again.</p>
      <Show when={hosts()?.length === 0}>
        <p>This server reaches no other git hosts (its GIT_HOSTS setting).</p>
      </Show>
      <For each={hosts()}>
        {(h) => {
          let token!: HTMLInputElement
          let user!: HTMLInputElement
          return (
            <form class="dialog-form host-token" onSubmit={(e) => (e.preventDefault(), void save(h.host, token.value.trim(), user.value.trim()))}>
              <strong>{h.url}</strong> <span class="hint">{h.credentials ? 'token saved' : 'no token'}</span>
              <div class="row">
                <input ref={user} aria-label={`User name for ${h.host}`} placeholder="user name (oauth2)" autocomplete="off" />
                <input ref={token} type="password" required aria-label={`Token for ${h.host}`} placeholder="access token" autocomplete="off" />
                <button type="submit">Save</button>
                <Show when={h.credentials}>
                  <button type="button" onClick={() => void save(h.host, null, '')}>Forget</button>
                </Show>
              </div>
            </form>
          )
        }}
      </For>
      <Show when={saved()}>
        <p role="status">{saved()}</p>
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
