import { createSignal, type Accessor } from 'solid-js'
import type { Author } from '../../shared/protocol'

/** What the user sets once and keeps: stored in this browser's localStorage. */
export interface Settings {
  author: Author
}

const KEY = 'coder.settings'
const DEFAULTS: Settings = { author: { name: '', email: '' } }

function load(): Settings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return { ...DEFAULTS, ...raw, author: { ...DEFAULTS.author, ...raw.author } }
  } catch {
    return DEFAULTS
  }
}

/** A settings signal and a setter that persists. */
export function createSettings(): { settings: Accessor<Settings>; save(next: Settings): void } {
  const [settings, setSettings] = createSignal(load())
  return {
    settings,
    save(next) {
      localStorage.setItem(KEY, JSON.stringify(next))
      setSettings(next)
    },
  }
}
