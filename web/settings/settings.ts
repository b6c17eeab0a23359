import { createSignal, type Accessor } from 'solid-js'
import type { Author } from '../../shared/protocol'

/** What the user sets once and keeps: stored in this browser's localStorage. */
export interface Settings {
  author: Author
  /** 'system' follows the operating system's light/dark preference, live. */
  theme: 'system' | 'light' | 'dark'
  fontSize: number
  tabSize: number
  /** Run commands in WebContainer (online, StackBlitz-hosted) instead of the embedded runtime. */
  webcontainer: boolean
  /** The npm registry for packages a project's `.npmrc` does not place elsewhere ('' = none set). */
  npmRegistry: string
  /** The Python package index (PEP 503 simple API) for `pip install` where nothing in the project names one ('' = none set). */
  pythonIndex: string
  /** Fetch packages through the edge's package proxy, which keeps registry tokens at the edge (directly where there is no edge). */
  packagesThroughEdge: boolean
}

/**
 * The environment that carries the package settings into the runtime: npm reads its registry from
 * npm_config_registry, pip its index from PIP_INDEX_URL; CODER_PACKAGE_PROXY sends registries and
 * indexes through the edge, which adds their tokens.
 */
export function packageEnv(settings: Settings): Record<string, string> {
  return {
    ...(settings.npmRegistry ? { npm_config_registry: settings.npmRegistry } : {}),
    ...(settings.pythonIndex ? { PIP_INDEX_URL: settings.pythonIndex } : {}),
    ...(settings.packagesThroughEdge ? { CODER_PACKAGE_PROXY: `${location.origin}/api/packages/` } : {}),
  }
}

const KEY = 'coder.settings'
export const DEFAULT_SETTINGS: Settings = { author: { name: '', email: '' }, theme: 'system', fontSize: 13, tabSize: 2, webcontainer: false, npmRegistry: '', pythonIndex: '', packagesThroughEdge: true }

/** Settings from stored JSON, with anything missing or out of range replaced by its default. */
export function parseSettings(raw: string | null): Settings {
  try {
    const v = JSON.parse(raw ?? '{}') as Partial<Settings>
    const int = (n: unknown, min: number, max: number, d: number) => (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : d)
    return {
      author: { name: String(v.author?.name ?? ''), email: String(v.author?.email ?? '') },
      theme: v.theme === 'light' || v.theme === 'dark' ? v.theme : 'system',
      fontSize: int(v.fontSize, 8, 40, DEFAULT_SETTINGS.fontSize),
      tabSize: int(v.tabSize, 1, 16, DEFAULT_SETTINGS.tabSize),
      webcontainer: v.webcontainer === true,
      npmRegistry: typeof v.npmRegistry === 'string' ? v.npmRegistry.trim() : '',
      pythonIndex: typeof v.pythonIndex === 'string' ? v.pythonIndex.trim() : '',
      packagesThroughEdge: v.packagesThroughEdge !== false,
    }
  } catch {
    return DEFAULT_SETTINGS
  }
}

/** A settings signal and a setter that persists; other tabs' changes arrive through the storage event. */
export function createSettings(): { settings: Accessor<Settings>; save(next: Settings): void; dispose(): void } {
  const [settings, setSettings] = createSignal(parseSettings(localStorage.getItem(KEY)))
  const onStorage = (e: StorageEvent) => e.key === KEY && setSettings(parseSettings(e.newValue))
  window.addEventListener('storage', onStorage)
  return {
    settings,
    save(next) {
      localStorage.setItem(KEY, JSON.stringify(next))
      setSettings(next)
    },
    dispose: () => window.removeEventListener('storage', onStorage),
  }
}

/** The theme in effect: the setting, or the system's preference (a signal that follows it). */
export function createEffectiveTheme(settings: Accessor<Settings>): Accessor<'light' | 'dark'> {
  const media = window.matchMedia('(prefers-color-scheme: dark)')
  const [systemDark, setSystemDark] = createSignal(media.matches)
  media.addEventListener('change', (e) => setSystemDark(e.matches))
  return () => {
    const t = settings().theme
    return t === 'system' ? (systemDark() ? 'dark' : 'light') : t
  }
}
