/**
 * @module What shell-size and open-interactive share: the built IDE (ctx.builtApp()), a browser
 * profile holding one imported project (the e2e fixture small.git, imported through the IDE's own
 * UI), a cold copy of it per run (project stored; no HTTP cache, no service worker), and a probe
 * that times a load of the project to an interactive editor showing README.md.
 */
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'

// The UI is being reworked: everything these cases know about it is here.
const ui = {
  repositoryUrl: (page) => page.getByLabel('Repository URL'),
  importButton: (page) => page.getByRole('button', { name: 'Import' }),
  projectPath: /\/p\/[\w-]+$/,
  /** Read in the page by `probeInteractive`. */
  probe: {
    fileRow: '[aria-label="Files"] [data-path="/workspace/README.md"]',
    editors: ['.cm-content[contenteditable=true]', 'textarea[aria-label^="Edit "]'],
    text: '# small',
  },
  /** Runs in the page: true once hot exit has recorded README.md as an open tab. */
  tabRemembered: () =>
    new Promise((resolve) => {
      const open = indexedDB.open('coder-hot-exit')
      open.onerror = () => resolve(false)
      open.onsuccess = () => {
        const db = open.result
        if (!db.objectStoreNames.contains('sessions')) return resolve(false)
        const all = db.transaction('sessions').objectStore('sessions').getAll()
        all.onsuccess = () => resolve(all.result.some((s) => s.tabs.some((t) => t.path === '/workspace/README.md')))
        all.onerror = () => resolve(false)
      }
    }),
}

const profiles = new WeakMap()

/**
 * A profile directory (a template: copy it, do not launch it) in which the built app holds the
 * imported small.git, and the project's path ('/p/<id>'). Made once per harness context.
 */
export function projectProfile(ctx) {
  let profile = profiles.get(ctx)
  if (!profile) profiles.set(ctx, (profile = makeProjectProfile(ctx)))
  return profile
}

async function makeProjectProfile(ctx) {
  const app = await ctx.builtApp()
  const dir = ctx.makeTempDir('coder-bench-profile-')
  const context = await ctx.launchProfile(dir, { serviceWorkers: 'block' })
  let projectPath
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(app.url)
    await ui.repositoryUrl(page).fill(await ctx.smallRepoUrl())
    await ui.importButton(page).click()
    await page.waitForURL(ui.projectPath, { timeout: 120_000 })
    projectPath = new URL(page.url()).pathname
    // Fails here, once, if the probe no longer fits the UI.
    await page.evaluate(probeInteractive, { ...ui.probe, timeoutMs: 60_000 })
    // The project is left as a user leaves it: README.md open in a tab (hot exit keeps open tabs),
    // so the measured load is "a project with a file open", not "then find and click the file".
    await page.waitForFunction(ui.tabRemembered, null, { timeout: 30_000, polling: 100 })
  } finally {
    await context.close()
  }
  // Chromium keeps the HTTP cache and compiled code here; the project lives in IndexedDB.
  for (const cache of ['Cache', 'Code Cache', 'GPUCache', 'Service Worker']) rmSync(join(dir, 'Default', cache), { recursive: true, force: true })
  return { dir, projectPath }
}

/**
 * Launches Chromium on a fresh copy of the project profile: the project is stored, nothing is
 * cached, no service worker is installed (`options` go to `ctx.launchProfile`, e.g.
 * `{ serviceWorkers: 'block' }`). Resolves to `{ context, page, url }`, `url` being the project's;
 * closing `context` is the caller's job.
 */
export async function openColdProfile(ctx, options = {}) {
  const { dir, projectPath } = await projectProfile(ctx)
  const copy = ctx.makeTempDir('coder-bench-profile-')
  cpSync(dir, copy, { recursive: true })
  const context = await ctx.launchProfile(copy, options)
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => console.error(`[bench page] ${e.message}`))
  return { context, page, url: `${(await ctx.builtApp()).url}${projectPath}` }
}

/**
 * Loads `url` in `page` and resolves to the milliseconds from navigation start to an editor
 * that takes input and shows README.md's text (opening the file from the tree if the page has
 * not opened it by itself). Either CodeMirror's content element or the plain editor counts.
 */
export async function loadToInteractive(page, url, timeoutMs = 60_000) {
  await page.goto(url, { waitUntil: 'commit' })
  return page.evaluate(probeInteractive, { ...ui.probe, timeoutMs })
}

/** Resolves once a service worker controls `page` and has cached every build asset the page loaded. */
export async function serviceWorkerWarm(page) {
  await page.waitForFunction(
    async () => {
      if (!navigator.serviceWorker.controller) return false
      const cached = new Set((await (await caches.open('coder-assets')).keys()).map((r) => r.url))
      const loaded = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.startsWith(`${location.origin}/assets/`))
      return loaded.every((u) => cached.has(u))
    },
    null,
    { timeout: 30_000, polling: 100 },
  )
}

/** Runs in the page: polls every frame; `performance.now()` counts from the navigation's start. */
function probeInteractive({ fileRow, editors, text, timeoutMs }) {
  return new Promise((resolve, reject) => {
    let clicked = false
    const tick = () => {
      for (const selector of editors) {
        const el = document.querySelector(selector)
        const shown = el && ('value' in el && el.tagName === 'TEXTAREA' ? el.value : el.textContent)
        if (shown && shown.includes(text)) return resolve(performance.now())
      }
      const row = !clicked && document.querySelector(fileRow)
      if (row) {
        ;(row.querySelector('button') ?? row).click()
        clicked = true
      }
      if (performance.now() > timeoutMs) return reject(new Error(`no editor showed ${JSON.stringify(text)} within ${timeoutMs} ms (file row ${clicked ? '' : 'never '}seen)`))
      requestAnimationFrame(tick)
    }
    tick()
  })
}
