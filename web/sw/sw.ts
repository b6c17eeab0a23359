/**
 * @module The service worker, built to /sw.js (classic script) with the build's manifest injected
 * (vite.config.ts, `offlineShell`): the IDE opens and runs offline after one online visit.
 *
 * Caches: `coder-assets` holds hashed build files, whose names never change meaning, so every
 * version shares it; `coder-shell` holds one index.html under '/': the newest fully installed
 * version's. Cached responses keep their headers (COOP/COEP/CORP): the page stays cross-origin
 * isolated offline.
 *
 * Rules:
 * - install: caches every shell asset missing from `coder-assets`, then, last, this version's
 *   index.html as '/'. A failure leaves the previous version's shell whole. Once a page is idle
 *   it asks for the rest of the build ('cache-all'), so even code not used yet works offline.
 * - same-origin GET `/assets/*` (lazy chunks, worker scripts, wasm included): cache first; a miss
 *   goes to the network and is cached when it succeeds.
 * - navigations: network first; the cached index.html when the network fails or has not answered
 *   within NAVIGATION_TIMEOUT_MS, for every SPA route. Navigation responses are never cached.
 * - `/preview/<projectId>/<path>`: the project's workspace files, read from its database on every
 *   request (./preview.ts), never cached.
 * - everything else passes through untouched: other methods, `/api/`, `/git/`, other origins.
 *
 * Updates: a new version installs in the background; from then on a reload runs it, online (the
 * network's index.html) or offline (the cached one is now the new version's, and its assets are
 * cached; the old worker serves them as well as its own). The new worker itself waits, as the
 * lifecycle has it, until no page uses the old one: it never calls skipWaiting, which would delete
 * files open pages may still load and, in Chromium, can hold navigations until the old worker
 * idles. Activating deletes the cached assets its build does not have and takes control of pages.
 */
import { unreachable } from '../../shared/errors'
import type { CurrentReply, PageMessage, ShellManifest } from '../../shared/offline'
import { PREVIEW_PREFIX, servePreview } from './preview'

declare const self: ServiceWorkerGlobalScope
/** Replaced at build time with this build's manifest. */
declare const __CODER_SW_MANIFEST__: ShellManifest

const manifest = __CODER_SW_MANIFEST__
const SHELL_CACHE = 'coder-shell'
const ASSET_CACHE = 'coder-assets'
const NAVIGATION_TIMEOUT_MS = 3_000
const files = new Set(manifest.files)

self.addEventListener('install', (event) => event.waitUntil(install()))
self.addEventListener('activate', (event) => event.waitUntil(activate()))
self.addEventListener('fetch', onFetch)
self.addEventListener('message', onMessage)

async function install(): Promise<void> {
  // 'no-cache': revalidate, so this is the deployed index.html, not an older one from the HTTP cache.
  const page = await fetchOk('/', { cache: 'no-cache' })
  const html = await page.text()
  const missing = manifest.entries.filter((entry) => !html.includes(entry))
  if (missing.length) throw new Error(`index.html is not this build's (no ${missing.join(', ')}): a newer deployment is out`)
  const assets = await caches.open(ASSET_CACHE)
  await Promise.all(
    manifest.shell
      .filter((path) => path !== '/')
      .map(async (path) => {
        if (!(await assets.match(path))) await assets.put(path, await fetchOk(path))
      }),
  )
  const shell = await caches.open(SHELL_CACHE)
  await shell.put('/', new Response(html, { status: page.status, statusText: page.statusText, headers: page.headers }))
}

async function activate(): Promise<void> {
  // A newer version already on its way needs its assets; the next activation prunes instead.
  if (!self.registration.installing && !self.registration.waiting) {
    const assets = await caches.open(ASSET_CACHE)
    for (const request of await assets.keys()) {
      if (!files.has(new URL(request.url).pathname)) await assets.delete(request)
    }
  }
  await self.clients.claim()
}

function onFetch(event: FetchEvent): void {
  const { request } = event
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  // Read from the project's database on every request: never cached, works offline.
  if (url.pathname.startsWith(PREVIEW_PREFIX)) return event.respondWith(servePreview(request, url))
  if (request.method !== 'GET') return
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/git/')) return
  if (request.mode === 'navigate') event.respondWith(navigate(request))
  else if (url.pathname.startsWith('/assets/') && !request.headers.has('range')) event.respondWith(asset(event, url.pathname))
}

async function navigate(request: Request): Promise<Response> {
  const shell = await caches.match('/', { cacheName: SHELL_CACHE })
  if (!shell) return fetch(request)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), NAVIGATION_TIMEOUT_MS)
  try {
    return await fetch(request, { signal: controller.signal })
  } catch {
    return shell
  } finally {
    clearTimeout(timer)
  }
}

async function asset(event: FetchEvent, path: string): Promise<Response> {
  const cache = await caches.open(ASSET_CACHE)
  // Keyed by path: the names are content hashes, so a query or a Vary header changes nothing.
  const hit = await cache.match(path, { ignoreSearch: true, ignoreVary: true })
  if (hit) return hit
  const response = await fetch(event.request)
  if (response.ok && response.type === 'basic') event.waitUntil(cache.put(path, response.clone()))
  return response
}

function onMessage(event: ExtendableMessageEvent): void {
  const message = event.data as PageMessage
  switch (message.type) {
    case 'check-current': {
      const current = files.has(new URL(message.url, self.location.origin).pathname)
      event.ports[0]?.postMessage({ current } satisfies CurrentReply)
      return
    }
    case 'cache':
      event.waitUntil(cacheMissing(message.urls))
      return
    case 'cache-all':
      event.waitUntil(cacheMissing([...files], 4))
      return
    default:
      unreachable(message)
  }
}

/** Caches the build files among `urls` that are missing, `concurrency` at a time. */
async function cacheMissing(urls: string[], concurrency = urls.length): Promise<void> {
  const cache = await caches.open(ASSET_CACHE)
  const queue = [...urls]
  const next = async (): Promise<void> => {
    for (let href = queue.shift(); href !== undefined; href = queue.shift()) {
      const url = new URL(href, self.location.origin)
      if (url.origin !== self.location.origin || !files.has(url.pathname) || (await cache.match(url.pathname))) continue
      // Best effort: the asset is cached on its next use anyway.
      await fetchOk(url.pathname).then((response) => cache.put(url.pathname, response), () => {})
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, next))
}

/** Fetches a same-origin file; rejects unless it answers 2xx. */
async function fetchOk(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(path, init)
  if (!response.ok || response.type !== 'basic') throw new Error(`${path} answered ${response.status}`)
  return response
}
