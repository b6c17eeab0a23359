import { For, Show, createEffect, createResource, createSignal, on, onCleanup, onMount } from 'solid-js'
import { normalizeOutputFolder, outputFolderProblem } from '../../shared/deploy/output'
import type { DeployProgress } from '../../shared/deploy/upload'
import type { AccountState } from '../account/account'
import { formatBytes } from '../format'
import { Modal } from '../ui/Modal'
import type { DeployOutcome, DeployStage } from './deploy'
import type { Deployments } from './deployments'
import type { DeploySettings } from './settings'
import './Deploy.css'

const STAGES: Array<{ stage: DeployStage; label: string }> = [
  { stage: 'build', label: 'Build' },
  { stage: 'collect', label: 'Collect files' },
  { stage: 'upload', label: 'Upload' },
]

/** What the progress line says for the upload's phases. */
export function progressText(p: DeployProgress): string {
  const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`
  switch (p.phase) {
    case 'hashing':
      return `Hashing ${p.done} of ${files(p.total)}`
    case 'creating':
      return 'Sending the file list'
    case 'uploading':
      return p.total === 0 ? 'Nothing to upload: the server has every file already' : `Uploading ${p.done} of ${files(p.total)} · ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`
    case 'finalizing':
      return 'Finalizing'
    case 'done':
      return 'Done'
  }
}

/**
 * The "Deploy preview" dialog: build command, output folder (checked as it is typed), single-page
 * app, visibility; then the deploy's stages, a progress bar, the build log, Cancel, and the outcome
 * (the link to open and copy, or why it failed). Closing it leaves a running deploy going: the
 * status bar shows it and a notice says how it ended.
 */
export function DeployDialog(props: {
  deployments: Deployments
  account: AccountState
  /** Files with unsaved changes (their saved version is what gets built). */
  unsaved: string[]
  saveAll(): void
  openRuns?(): void
}) {
  const d = props.deployments
  const [initial] = createResource(() => d.current()?.settings ?? d.settings())
  return (
    <Modal label="Deploy preview" close={d.closeDialog} class="deploy-dialog">
      <h2>Deploy preview</h2>
      <Show when={d.shared()}>{(repo) => <p class="hint">Published with {repo()}'s deployments: its members see it too.</p>}</Show>
      <Show when={initial()} fallback={<p class="hint">Reading the project…</p>}>
        {(first) => <DeployForm {...props} initial={first()} />}
      </Show>
    </Modal>
  )
}

function DeployForm(props: Parameters<typeof DeployDialog>[0] & { initial: DeploySettings }) {
  const d = props.deployments
  const [command, setCommand] = createSignal(props.initial.buildCommand)
  const [folder, setFolder] = createSignal(props.initial.outputFolder)
  const [spa, setSpa] = createSignal(props.initial.spa)
  const [visibility, setVisibility] = createSignal(props.initial.visibility)
  const [copied, setCopied] = createSignal<string | null>(null)
  const problem = () => outputFolderProblem(folder())
  const run = () => d.current()
  const outcome = () => run()?.outcome ?? null
  const signedOut = () => props.account.status === 'signed-out'
  const stageIndex = (s: DeployStage | null | undefined) => (s ? STAGES.findIndex((x) => x.stage === s) : -1)
  let first!: HTMLInputElement
  let form!: HTMLFormElement
  let cancelButton: HTMLButtonElement | undefined
  let closeButton: HTMLButtonElement | undefined
  // The form comes after the dialog has opened (once the settings are read): focus moves into it then.
  onMount(() => first.focus())
  // Closed without deploying (Close, Escape, a click outside): the edits are kept for next time.
  onCleanup(() => {
    if (!problem()) d.remember({ buildCommand: command().trim(), outputFolder: normalizeOutputFolder(folder()), spa: spa(), visibility: visibility() })
  })
  // A deploy's start disables the control that had focus (a field, Deploy) and its end removes
  // Cancel: focus goes to the button that now acts, not to the page behind the dialog (where
  // Escape would no longer close it).
  createEffect(
    on(
      () => d.running(),
      (running) => {
        const focused = document.activeElement
        if (focused && focused !== document.body && form.contains(focused) && !focused.matches(':disabled')) return
        ;(running ? cancelButton : closeButton)?.focus()
      },
      { defer: true },
    ),
  )

  const start = (event: Event) => {
    event.preventDefault()
    if (problem() || d.running()) return
    setCopied(null)
    void d.deploy({ buildCommand: command().trim(), outputFolder: normalizeOutputFolder(folder()), spa: spa(), visibility: visibility() })
  }

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url)
      setCopied('Link copied.')
    } catch (e) {
      setCopied(`Could not copy (${(e as Error).message}); the link is ${url}`)
    }
  }

  return (
    <form ref={form} class="dialog-form deploy-form" onSubmit={start}>
      <fieldset disabled={d.running()}>
        <label>
          Build command
          <input ref={first} value={command()} placeholder="none: publish the folder as it is" spellcheck={false} onInput={(e) => setCommand(e.currentTarget.value)} />
        </label>
        <label>
          Output folder
          <input value={folder()} placeholder="the project root" spellcheck={false} aria-invalid={problem() ? 'true' : undefined} aria-describedby="deploy-folder-problem" onInput={(e) => setFolder(e.currentTarget.value)} />
        </label>
        <Show when={problem()}>
          <p class="error" id="deploy-folder-problem" role="alert">
            {problem()}
          </p>
        </Show>
        <label class="inline">
          <input type="checkbox" checked={spa()} onChange={(e) => setSpa(e.currentTarget.checked)} /> Single-page app (serve index.html for unknown pages)
        </label>
        <div role="radiogroup" aria-label="Visibility" class="deploy-visibility">
          <label class="inline">
            <input type="radio" name="deploy-visibility" checked={visibility() === 'public'} onChange={() => setVisibility('public')} /> Public: anyone with the link
          </label>
          <label class="inline">
            <input type="radio" name="deploy-visibility" checked={visibility() === 'private'} onChange={() => setVisibility('private')} /> Private: only through signed links
          </label>
        </div>
      </fieldset>
      <Show when={props.unsaved.length && !d.running()}>
        <p class="deploy-warning" role="status">
          {props.unsaved.length === 1 ? `${props.unsaved[0]} has unsaved changes` : `${props.unsaved.length} files have unsaved changes`}: the deploy builds what is saved.{' '}
          <button type="button" class="small" onClick={() => props.saveAll()}>Save all</button>
        </p>
      </Show>
      <Show when={props.account.status === 'unavailable'}>
        <p class="deploy-warning" role="status">
          {navigator.onLine === false ? 'You are offline' : 'The server cannot be reached'}: the build can run, but publishing needs a connection to the server.
        </p>
      </Show>
      <Show when={signedOut()}>
        <p class="deploy-warning" role="status">
          Deployments are kept with your account: sign in (at the top right) to deploy.
        </p>
      </Show>

      <Show when={run()}>
        {(r) => (
          <section class="deploy-progress" aria-label="Deploy progress">
            <ol class="deploy-stages">
              <For each={r().settings.buildCommand ? STAGES : STAGES.slice(1)}>
                {(s) => {
                  const at = () => stageIndex(r().stage)
                  const mine = stageIndex(s.stage)
                  const state = () => (r().outcome?.status === 'succeeded' || at() > mine ? 'done' : at() === mine ? (r().outcome ? r().outcome!.status : 'active') : 'waiting')
                  return (
                    <li class={`deploy-stage ${state()}`} aria-current={state() === 'active' ? 'step' : undefined}>
                      {s.label}
                    </li>
                  )
                }}
              </For>
            </ol>
            <Show when={d.running()}>
              <Show when={r().progress && r().stage === 'upload'} fallback={<progress class="deploy-bar" aria-label="Deploy progress" />}>
                <progress class="deploy-bar" aria-label="Deploy progress" max={Math.max(1, r().progress!.phase === 'uploading' ? r().progress!.bytesTotal : r().progress!.total)} value={r().progress!.phase === 'uploading' ? r().progress!.bytesDone : r().progress!.done} />
              </Show>
              <p class="deploy-progress-text" role="status">
                {r().stage === 'upload' && r().progress ? progressText(r().progress!) : r().stage === 'build' ? `Building: ${r().settings.buildCommand}` : r().stage === 'collect' ? 'Collecting the output folder' : 'Starting'}
              </p>
            </Show>
            <Show when={d.log()}>
              <pre class="deploy-log" aria-label="Deploy log" tabindex="0" ref={(el) => createEffect(() => (d.log(), queueMicrotask(() => (el.scrollTop = el.scrollHeight))))}>
                {d.log()}
              </pre>
            </Show>
            <Show when={outcome()}>
              {(o) => {
                const result = () => {
                  const v = o()
                  return v.status === 'succeeded' ? v : null
                }
                return (
                  <Show
                    when={result()}
                    fallback={
                      <div class={`deploy-outcome ${o().status}`} role="alert">
                        <p>{(o() as Exclude<DeployOutcome, { status: 'succeeded' }>).message}</p>
                      </div>
                    }
                  >
                    {(ok) => (
                      <div class="deploy-outcome succeeded" role="status">
                        <p>
                          Deployment <code>{ok().result.deployment.id.slice(0, 8)}</code> is ready: {ok().summary}.
                        </p>
                        <Show when={ok().result.deployment.url} fallback={<p class="hint">This server names no preview address (PREVIEW_URL_TEMPLATE is unset), so there is no link to open.</p>}>
                          {(url) => (
                            <p class="deploy-link">
                              <a href={url()} target="_blank" rel="noopener">{url()}</a>{' '}
                              <button type="button" class="small" onClick={() => void copy(url())}>Copy link</button>
                            </p>
                          )}
                        </Show>
                        <Show when={ok().result.deployment.visibility === 'private'}>
                          <p class="hint">It is private: share it with “Share private link” in the Deployments view.</p>
                        </Show>
                        <Show when={copied()}>
                          <p class="hint">{copied()}</p>
                        </Show>
                      </div>
                    )}
                  </Show>
                )
              }}
            </Show>
          </section>
        )}
      </Show>

      <div class="actions">
        <Show when={props.openRuns && run()?.outcome}>
          <button type="button" class="link" onClick={() => props.openRuns!()}>Show in Runs</button>
        </Show>
        <span class="spacer" />
        <Show when={d.running()} fallback={<button ref={closeButton} type="button" onClick={d.closeDialog}>Close</button>}>
          <button ref={cancelButton} type="button" onClick={d.cancel}>Cancel deploy</button>
          <button type="button" onClick={d.closeDialog} title="The deploy goes on; the status bar shows it">Hide</button>
        </Show>
        <button type="submit" class="primary" disabled={d.running() || !!problem() || signedOut()}>
          {run()?.outcome ? 'Deploy again' : 'Deploy'}
        </button>
      </div>
    </form>
  )
}
