/** An action of the IDE: listed in the command palette, optionally bound to keys. */
export interface Command {
  id: string
  title: string
  /**
   * CodeMirror-style key spec: `Mod-Shift-p` (Mod is Cmd on macOS, Ctrl elsewhere). A punctuation
   * key held with Shift is named by its physical key: `Ctrl-Shift-Backquote`.
   */
  keys?: string
  run(): unknown
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

/** True when `event` is the key combination `spec`. */
export function matchesKey(event: KeyboardEvent, spec: string): boolean {
  const parts = spec.split('-')
  const key = parts.pop()!.toLowerCase()
  const want = { ctrl: false, meta: false, shift: false, alt: false }
  for (const p of parts) {
    if (p === 'Mod') want[isMac ? 'meta' : 'ctrl'] = true
    else if (p === 'Ctrl') want.ctrl = true
    else if (p === 'Shift') want.shift = true
    else if (p === 'Alt') want.alt = true
    else if (p === 'Cmd' || p === 'Meta') want.meta = true
  }
  const pressed = event.key.length === 1 ? event.key.toLowerCase() : event.key.toLowerCase()
  // With Shift held, `key` is the shifted character; compare the physical key as well.
  const code = event.code.replace(/^Key/, '').replace(/^Digit/, '').toLowerCase()
  return (
    (pressed === key || code === key) &&
    event.ctrlKey === want.ctrl &&
    event.metaKey === want.meta &&
    event.shiftKey === want.shift &&
    event.altKey === want.alt
  )
}

/** Keys named by their physical key (`event.code`) in specs, as labels show them. */
const KEY_NAMES: Record<string, string> = { Backquote: '`', Semicolon: ';', Quote: "'", Comma: ',', Period: '.', Slash: '/' }

/** `Mod-Shift-p` → `Ctrl+Shift+P` (or `⌘⇧P` on macOS), for menus and the palette. */
export function keyLabel(spec: string): string {
  const parts = spec.split('-')
  const key = parts.pop()!
  const mods = parts.map((p) => (p === 'Mod' ? (isMac ? '⌘' : 'Ctrl') : p === 'Shift' ? (isMac ? '⇧' : 'Shift') : p === 'Alt' ? (isMac ? '⌥' : 'Alt') : p))
  const k = key.length === 1 ? key.toUpperCase() : (KEY_NAMES[key] ?? key)
  return isMac ? [...mods, k].join('') : [...mods, k].join('+')
}

/** The command bound to `event`, if any. */
export function commandFor(event: KeyboardEvent, commands: readonly Command[]): Command | undefined {
  return commands.find((c) => c.keys && matchesKey(event, c.keys))
}
