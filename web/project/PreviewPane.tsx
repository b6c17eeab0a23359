import { For, Match, Show, Switch, createEffect, createMemo, createSignal, on, type JSX } from 'solid-js'
import type { Deployment } from '../../shared/deploy'
import type { Deployments } from '../deploy'
import { formatAgo } from '../format'

/** Where the service worker serves a project's `/workspace` (web/sw/preview.ts). */
const PREVIEW_PREFIX = '/preview/'

/**
 * The preview URL of a path in a project's `/workspace` (`/site/` → `/preview/<id>/site/`): each
 * segment percent-encoded, a trailing slash, query and fragment kept.
 */
export function previewUrl(projectId: string, path: string): string {
  const [, pathname = '', rest = ''] = /^([^?#]*)(.*)$/.exec(path) ?? []
  const encoded = pathname.split('/').map((segment) => encodeURIComponent(segment)).join('/')
  return `${PREVIEW_PREFIX}${encodeURIComponent(projectId)}${encoded.startsWith('/') ? '' : '/'}${encoded}${rest}`
}

/** A workspace path as the address bar shows it: absolute, without the `/workspace` mount a tree path has. */
function workspacePath(path: string | undefined): string {
  const p = (path ?? '').trim()
  if (p === '/workspace' || p.startsWith('/workspace/') || p.startsWith('/workspace?') || p.startsWith('/workspace#')) return workspacePath(p.slice('/workspace'.length))
  return p.startsWith('/') ? p : `/${p}`
}

/** The workspace path (with query and fragment) a frame shows, if it shows this project's preview. */
function shownPath(frame: HTMLIFrameElement, projectId: string): string | null {
  try {
    const location = frame.contentWindow?.location
    const prefix = `${PREVIEW_PREFIX}${encodeURIComponent(projectId)}/`
    if (!location || !location.pathname.startsWith(prefix)) return null
    const path = location.pathname.slice(prefix.length - 1)
    const decoded = path.split('/').map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
    return decoded.join('/') + location.search + location.hash
  } catch {
    // Navigated to another origin: its location is not ours to read.
    return null
  }
}

type Readiness = 'waiting' | 'ready' | 'unavailable'

/** What the pane shows: the workspace through the service worker, production, or one deployment (by id). */
type Source = 'tab' | 'production' | `deployment:${string}`

/**
 * The preview pane: a source selector — "In-tab" (the workspace, see InTabPreview) or, when the
 * project has deployments, production or one ready deployment, framed from its own origin.
 */
export function PreviewPane(props: { projectId: string; path?: string; deployments?: Deployments }) {
  const [source, setSource] = createSignal<Source>('tab')
  const ready = () => props.deployments?.list().filter((d) => d.status === 'ready') ?? []
  const production = () => props.deployments?.production()?.current ?? null
  // The list is read when the pane first shows with deployments to offer (and when the selector is opened), if no one has yet.
  createEffect(on([() => props.deployments, () => props.deployments?.project()], ([d]) => d && !d.list().length && void d.refresh()))
  const chosen = createMemo((): { deployment: Deployment; url: string | undefined } | null => {
    const s = source()
    if (s === 'production') {
      const current = production()
      return current ? { deployment: current, url: props.deployments?.production()?.url ?? current.url } : null
    }
    if (s.startsWith('deployment:')) {
      const found = ready().find((d) => d.id === s.slice('deployment:'.length))
      return found ? { deployment: found, url: found.url } : null
    }
    return null
  }, null, { equals: (a, b) => a?.deployment.id === b?.deployment.id && a?.url === b?.url })
  const selector = () => (
    <Show when={props.deployments && (ready().length || production())}>
      <select
        aria-label="Preview source"
        value={chosen() ? source() : 'tab'}
        onFocus={() => void props.deployments?.refresh()}
        onChange={(e) => setSource(e.currentTarget.value as Source)}
      >
        <option value="tab">In-tab</option>
        {/* `selected` as well as the select's value: a refresh of the list replaces the options, and the select would show "In-tab" while a deployment is framed. */}
        <Show when={production()}>
          <option value="production" selected={!!chosen() && source() === 'production'}>
            Production ({production()!.id.slice(0, 8)})
          </option>
        </Show>
        <For each={ready()}>
          {(d) => (
            <option value={`deployment:${d.id}`} selected={!!chosen() && source() === `deployment:${d.id}`}>
              {[d.id.slice(0, 8), d.branch, formatAgo(d.createdAt)].filter(Boolean).join(' · ')}
            </option>
          )}
        </For>
      </select>
    </Show>
  )
  return (
    <Show when={chosen()} keyed fallback={<InTabPreview projectId={props.projectId} path={props.path} selector={selector()} />}>
      {(c) => <DeploymentPreview deployment={c.deployment} url={c.url} deployments={props.deployments!} selector={selector()} />}
    </Show>
  )
}

/**
 * The preview's address bar: the source selector, the address (Enter goes there, Escape puts
 * back `revert()`, the address shown), then `children` (Reload, Open in new tab).
 */
function AddressBar(props: { selector: JSX.Element; address: string; setAddress(value: string): void; go(address: string): void; revert(): string; ref?: (el: HTMLInputElement) => void; children: JSX.Element }) {
  return (
    <div class="preview-bar">
      {props.selector}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          props.go(props.address)
        }}
      >
        <input
          ref={(el) => props.ref?.(el)}
          aria-label="Preview address"
          spellcheck={false}
          value={props.address}
          onInput={(event) => props.setAddress(event.currentTarget.value)}
          onKeyDown={(event) => event.key === 'Escape' && props.setAddress(props.revert())}
        />
      </form>
      {props.children}
    </div>
  )
}

/**
 * One deployment (or production) framed from the preview origin. The IDE is cross-origin
 * isolated; the preview answers with CORP cross-origin and COEP credentialless, and the frame is
 * credentialless as well, so it shows without any cookie of the user's. A private deployment is
 * framed through a fresh signed link: the preview keeps its token as a partitioned cookie of its
 * own host, which the frame's later requests carry.
 */
function DeploymentPreview(props: { deployment: Deployment; url: string | undefined; deployments: Deployments; selector: JSX.Element }) {
  const isPrivate = props.deployment.visibility === 'private'
  const [address, setAddress] = createSignal(props.url ?? '')
  const [problem, setProblem] = createSignal<string | null>(null)
  /** Where the frame starts: the deployment's address, or for a private one a signed link to it (null while it is made). */
  const [start, setStart] = createSignal<string | null>(isPrivate ? null : (props.url ?? null))
  let frame: HTMLIFrameElement | undefined
  /** The address last gone to, put back when a typed one is refused (never the frame's src: a private one's holds the signed link's token). */
  let shown = props.url ?? ''
  /** `to` (a path, or an address) on the deployment's origin, or null when it is not one. */
  function resolve(to: string): URL | null {
    if (!props.url) return null
    try {
      const target = new URL(to || '/', props.url)
      return target.origin === new URL(props.url).origin ? target : null
    } catch {
      return null
    }
  }
  if (isPrivate && props.url) {
    void props.deployments.link(props.deployment.id).then(
      (link) => (link.url ? setStart(link.url) : setProblem('No signed link to this private deployment: this server names no preview address')),
      (e: unknown) => setProblem(`No signed link to this private deployment: ${(e as Error).message}`),
    )
  }
  /** Loads `to` (a path, or an address on the deployment's origin) in the frame. */
  function go(to: string) {
    if (!props.url || !frame) return
    // Only the deployment's own pages: the frame is no general browser.
    const target = resolve(to)
    if (!target) return setAddress(shown)
    frame.src = target.href
    shown = target.href
    setAddress(target.href)
  }
  /** A private deployment, through a fresh signed link, in a new tab (opened at once, so no popup blocker stops it). */
  function openPrivate() {
    const win = window.open('about:blank', '_blank')
    setProblem(null)
    void props.deployments.link(props.deployment.id).then(
      (link) => {
        if (!link.url) throw new Error('this server names no preview address')
        if (win) win.location.href = link.url
        else window.open(link.url, '_blank', 'noopener')
      },
      (e: unknown) => {
        win?.close()
        setProblem(`No signed link to this private deployment: ${(e as Error).message}`)
      },
    )
  }
  return (
    <section class="preview" aria-label="Preview">
      <AddressBar selector={props.selector} address={address()} setAddress={setAddress} go={go} revert={() => shown}>
        <button type="button" title="Reload the preview" disabled={!props.url} onClick={() => frame && (frame.src = frame.src)}>
          Reload
        </button>
        <Show when={props.url}>
          <Show when={!isPrivate} fallback={<button type="button" onClick={openPrivate}>Open in new tab</button>}>
            <a class="button" href={resolve(address())?.href ?? props.url} target="_blank" rel="noopener" title="Open the deployment in a new tab">
              Open in new tab
            </a>
          </Show>
        </Show>
      </AddressBar>
      <Show when={problem()}>
        <p class="error" role="alert">{problem()}</p>
      </Show>
      <Switch>
        <Match when={!props.url}>
          <p class="preview-message" role="status">
            This server names no preview address for its deployments (PREVIEW_URL_TEMPLATE is unset), so there is nothing to show.
          </p>
        </Match>
        <Match when={!start()}>
          <p class="preview-message" role="status">
            Deployment {props.deployment.id.slice(0, 8)} is private: signing a link to it…
          </p>
        </Match>
        <Match when={start()}>
          {(url) => (
            <iframe
              class="preview-frame"
              title={`Deployment ${props.deployment.id.slice(0, 8)}`}
              ref={(el) => {
                frame = el
                // Before the first navigation: a credentialless frame loads another origin's page without the user's cookies.
                el.setAttribute('credentialless', '')
                el.src = url()
              }}
            />
          )}
        </Match>
      </Switch>
    </section>
  )
}

/**
 * The in-tab preview of a static site or built app in the project's `/workspace`, served by the
 * service worker: an address bar (the previewed path; Enter goes there), Reload, Open in new tab,
 * and the page in an iframe. `path` is a workspace folder or file (`/site/`, or a tree path such as
 * `/workspace/site`); default '/'. Until a service worker is active there is nothing to show, so
 * the frame waits for one, and says why when none can come (the dev server has none).
 */
function InTabPreview(props: { projectId: string; path?: string; selector: JSX.Element }) {
  const [worker, setWorker] = createSignal<Readiness>('serviceWorker' in navigator ? 'waiting' : 'unavailable')
  /** What the frame shows now (it follows links clicked inside it). */
  const [shown, setShown] = createSignal(workspacePath(props.path))
  const [address, setAddress] = createSignal(shown())
  let frame: HTMLIFrameElement | undefined
  let input!: HTMLInputElement

  if ('serviceWorker' in navigator) void navigator.serviceWorker.ready.then(() => setWorker('ready'))

  /** Shows `path` in the frame, loading it again even when it is already there. */
  function go(path: string) {
    const p = workspacePath(path)
    setShown(p)
    setAddress(p)
    // Set imperatively: assigning src navigates even to the same URL; a reactive binding would not.
    if (frame) frame.src = previewUrl(props.projectId, p)
  }

  function reload() {
    try {
      frame?.contentWindow?.location.reload()
    } catch {
      go(shown())
    }
  }

  // A new project or path from outside starts over there.
  createEffect(on([() => props.projectId, () => props.path], () => go(props.path ?? '/'), { defer: true }))

  function loaded() {
    const path = frame && shownPath(frame, props.projectId)
    if (path === null || path === undefined) return
    setShown(path)
    // Someone typing in the address bar keeps their text.
    if (document.activeElement !== input) setAddress(path)
  }

  return (
    <section class="preview" aria-label="Preview">
      <AddressBar selector={props.selector} address={address()} setAddress={setAddress} go={go} revert={shown} ref={(el) => (input = el)}>
        <button type="button" title="Reload the preview" disabled={worker() !== 'ready'} onClick={reload}>
          Reload
        </button>
        <a class="button" href={previewUrl(props.projectId, shown())} target="_blank" rel="noopener" title="Open the preview in a new tab">
          Open in new tab
        </a>
      </AddressBar>
      <Switch>
        <Match when={worker() === 'ready'}>
          <iframe
            class="preview-frame"
            title="Preview"
            ref={(el) => {
              frame = el
              el.src = previewUrl(props.projectId, shown())
            }}
            onLoad={loaded}
          />
        </Match>
        <Match when={worker() === 'unavailable'}>
          <p class="preview-message" role="status">
            The preview is served by a service worker, and this browser offers none here (a private window, or a page not served over HTTPS or from
            localhost).
          </p>
        </Match>
        <Match when={worker() === 'waiting'}>
          <p class="preview-message" role="status">
            {import.meta.env.DEV
              ? 'The preview is served by the service worker, which only production builds have: build the IDE (npm run build) and open that.'
              : 'Starting the service worker that serves the preview…'}
          </p>
        </Match>
      </Switch>
    </section>
  )
}
