import type { CurrentReply, PageMessage } from '../../shared/offline'

/** What the page hears from the service worker. */
export interface OfflineOptions {
  /**
   * Called at most once per page, when a newer version of the IDE has been installed in the
   * background. It starts on the next reload; nothing is interrupted meanwhile.
   */
  onUpdateReady(): void
}

/** How often an open tab looks for a new version (browsers also look on every navigation). */
const UPDATE_CHECK_MS = 60 * 60_000

/** Runs `fn` a while after the page has loaded, when it is idle: opening a project comes first. */
function afterStartup(fn: () => void, delayMs: number): void {
  const idle = () => (typeof requestIdleCallback === 'function' ? requestIdleCallback(fn, { timeout: 2_000 }) : fn())
  const later = () => setTimeout(idle, delayMs)
  if (document.readyState === 'complete') later()
  else window.addEventListener('load', later, { once: true })
}

/**
 * Registers /sw.js (web/sw) once the page has loaded and settled, so the IDE opens offline from then on.
 * Production builds only: on the Vite dev server a service worker would serve stale modules and
 * break HMR. Never throws; without service workers (or when registration fails) the IDE simply
 * needs the network.
 */
export function registerServiceWorker(options: OfflineOptions): void {
  if (!('serviceWorker' in navigator)) return
  // Its install downloads the app shell: not while the first file is still opening.
  afterStartup(() => void register(options).catch((error: unknown) => console.warn('Offline support is off:', error)), 1_500)
}

async function register({ onUpdateReady }: OfflineOptions): Promise<void> {
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  let told = false
  const consider = async (worker: ServiceWorker) => {
    // A worker for the build this page already runs is no update (a reload fetched it from the network).
    if (told || (await runsBuildOf(worker))) return
    told = true
    onUpdateReady()
  }
  const whenInstalled = (worker: ServiceWorker) => {
    if (worker.state === 'installed') void consider(worker)
    else worker.addEventListener('statechange', () => worker.state === 'installed' && void consider(worker))
  }
  registration.addEventListener('updatefound', () => {
    // Without a controller this is the first install, not an update.
    if (registration.installing && navigator.serviceWorker.controller) whenInstalled(registration.installing)
  })
  if (registration.waiting) void consider(registration.waiting)
  else if (registration.installing && navigator.serviceWorker.controller) whenInstalled(registration.installing)

  const ready = await navigator.serviceWorker.ready
  ready.active?.postMessage({ type: 'cache', urls: loadedAssets() } satisfies PageMessage)
  // Then, when the page has nothing better to do, the rest of the build (for offline use).
  afterStartup(() => ready.active?.postMessage({ type: 'cache-all' } satisfies PageMessage), 3_000)
  const check = () => void registration.update().catch(() => {})
  setInterval(check, UPDATE_CHECK_MS)
  window.addEventListener('online', check)
}

/** Asks `worker` whether this page's code is part of its build; false when it does not answer. */
function runsBuildOf(worker: ServiceWorker): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => resolve(false), 5_000)
    channel.port1.onmessage = (event: MessageEvent<CurrentReply>) => {
      clearTimeout(timer)
      resolve(event.data.current)
    }
    worker.postMessage({ type: 'check-current', url: import.meta.url } satisfies PageMessage, [channel.port2])
  })
}

/** Build assets this page has loaded so far (the first visit loads them before the worker controls it). */
function loadedAssets(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((name) => name.startsWith(`${location.origin}/assets/`))
}
