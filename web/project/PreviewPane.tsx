import { Match, Switch, createEffect, createSignal, on } from 'solid-js'

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

/**
 * The in-tab preview of a static site or built app in the project's `/workspace`, served by the
 * service worker: an address bar (the previewed path; Enter goes there), Reload, Open in new tab,
 * and the page in an iframe. `path` is a workspace folder or file (`/site/`, or a tree path such as
 * `/workspace/site`); default '/'. Until a service worker is active there is nothing to show, so
 * the frame waits for one, and says why when none can come (the dev server has none).
 */
export function PreviewPane(props: { projectId: string; path?: string }) {
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
      <div class="preview-bar">
        <form
          onSubmit={(event) => {
            event.preventDefault()
            go(address())
          }}
        >
          <input
            ref={input}
            aria-label="Preview address"
            spellcheck={false}
            value={address()}
            onInput={(event) => setAddress(event.currentTarget.value)}
            onKeyDown={(event) => event.key === 'Escape' && setAddress(shown())}
          />
        </form>
        <button type="button" title="Reload the preview" disabled={worker() !== 'ready'} onClick={reload}>
          Reload
        </button>
        <a class="button" href={previewUrl(props.projectId, shown())} target="_blank" rel="noopener" title="Open the preview in a new tab">
          Open in new tab
        </a>
      </div>
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
