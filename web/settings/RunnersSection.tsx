import { For, Show, createResource, createSignal } from 'solid-js'
import { formatAgo } from '../format'
import { workflowsApi, WorkflowsError } from '../workflows/workflows-api'
import './RunnersSection.css'

/** The command that starts a headless runner with `token` against this edge. */
export const runnerCommand = (origin: string, token: string) => `npx coder-runner --edge ${origin} --token ${token}`

/**
 * The "Workflow runners" part of Settings: tokens for headless runners (which claim queued
 * workflow jobs while no tab is open). A new token is shown once, with the command that uses it;
 * revoking one ends the sessions it opened. The tokens live at the edge, with the account.
 */
export function RunnersSection() {
  const [tokens, { refetch }] = createResource(() => workflowsApi.runnerTokens())
  const [name, setName] = createSignal('')
  const [created, setCreated] = createSignal<{ name: string; token: string } | null>(null)
  const [copied, setCopied] = createSignal<string | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const signedOut = () => tokens.error instanceof WorkflowsError && tokens.error.status === 401
  const list = () => (tokens.error ? [] : tokens.latest ?? [])

  const act = async (work: () => Promise<void>) => {
    setError(null)
    setBusy(true)
    try {
      await work()
      await refetch()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const create = () => {
    const n = name().trim()
    if (!n) return setError('Name the runner (e.g. the machine it runs on).')
    void act(async () => {
      const out = await workflowsApi.createRunnerToken(n)
      setCreated({ name: out.name, token: out.token })
      setCopied(null)
      setName('')
    })
  }
  const copy = async (what: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(what)
    } catch {
      setError('The browser did not allow copying; select the text and copy it.')
    }
  }

  return (
    <fieldset class="runners-settings">
      <legend>Workflow runners</legend>
      <p class="hint">A headless runner claims your connected repositories' queued workflow jobs while no tab runs them. Give each machine its own token.</p>
      <Show when={!signedOut()} fallback={<p class="hint" role="status">Sign in to create runner tokens.</p>}>
        <div class="row">
          <label class="grow">
            Runner name
            <input
              name="runner-name"
              value={name()}
              placeholder="build-server"
              autocomplete="off"
              onInput={(e) => setName(e.currentTarget.value)}
              // Enter creates the token; it must not submit (and close) the settings.
              onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), create())}
            />
          </label>
          <button type="button" class="align-end" disabled={busy()} onClick={create}>Create token</button>
        </div>
        <Show when={created()}>
          {(c) => (
            <div class="runner-token" role="status" aria-label="New runner token">
              <p>Token for {c().name}, shown this once:</p>
              <div class="copy-row">
                <code data-testid="runner-token">{c().token}</code>
                <button type="button" class="small" onClick={() => void copy('token', c().token)}>{copied() === 'token' ? 'Copied' : 'Copy token'}</button>
              </div>
              <p>Start a runner with it:</p>
              <div class="copy-row">
                <code data-testid="runner-command">{runnerCommand(location.origin, c().token)}</code>
                <button type="button" class="small" onClick={() => void copy('command', runnerCommand(location.origin, c().token))}>{copied() === 'command' ? 'Copied' : 'Copy command'}</button>
              </div>
              <button type="button" class="small" onClick={() => setCreated(null)}>Done</button>
            </div>
          )}
        </Show>
        <Show when={tokens.error && !signedOut()}>
          <p class="error" role="alert">{(tokens.error as Error).message} <button type="button" class="small" onClick={() => void refetch()}>Try again</button></p>
        </Show>
        <Show when={list().length} fallback={<Show when={!tokens.loading && !tokens.error}><p class="hint">No runner tokens yet.</p></Show>}>
          <ul class="runner-tokens" aria-label="Runner tokens">
            <For each={list()}>
              {(t) => (
                <li data-token={t.id} classList={{ revoked: t.revokedAt !== null }}>
                  <strong>{t.name}</strong>{' '}
                  <span class="hint">
                    created {formatAgo(t.createdAt)} · {t.lastUsedAt ? `last used ${formatAgo(t.lastUsedAt)}` : 'never used'}
                    {t.revokedAt ? ` · revoked ${formatAgo(t.revokedAt)}` : ''}
                  </span>
                  <Show when={t.revokedAt === null}>
                    <button type="button" class="small danger" disabled={busy()} aria-label={`Revoke ${t.name}`} onClick={() => void act(() => workflowsApi.revokeRunnerToken(t.id).then(() => undefined))}>Revoke</button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
      </Show>
    </fieldset>
  )
}
