import { For, Show, createMemo, createResource, createSignal } from 'solid-js'
import { rankPaths } from '../../shared/fuzzy'
import { keyLabel, type Command } from './commands'
import type { ProjectModel } from './model'

/** Quick open (files) or the command palette; typing `>` in quick open switches to commands, as in VS Code. */
export type PaletteMode = 'files' | 'commands'

/**
 * The Ctrl/Cmd-P / Ctrl/Cmd-Shift-P box: fuzzy file search over the workspace's file list, or
 * every command with its keys. Arrow keys move, Enter runs, Escape closes.
 */
export function Palette(props: { model: ProjectModel; mode: PaletteMode; commands: Command[]; onOpenFile(path: string): void; close(): void }) {
  const [text, setText] = createSignal(props.mode === 'commands' ? '>' : '')
  const [selected, setSelected] = createSignal(0)
  const [files] = createResource(() => props.model.client.rpc.call('listFiles', { projectId: props.model.projectId }))
  const mode = () => (text().startsWith('>') ? 'commands' : 'files')
  const query = () => (mode() === 'commands' ? text().slice(1) : text()).trim()

  const items = createMemo(() => {
    if (mode() === 'commands') {
      const q = query().toLowerCase()
      return props.commands
        .filter((c) => c.title.toLowerCase().includes(q) || rankPaths(q, [c.title]).length > 0)
        .map((c) => ({ key: c.id, label: c.title, detail: c.keys ? keyLabel(c.keys) : '', positions: [] as number[], run: () => c.run() }))
    }
    const list = files.error ? [] : files() ?? []
    return rankPaths(query(), list, 50).map((m) => ({
      key: m.path,
      label: m.path.split('/').pop()!,
      detail: m.path,
      positions: m.positions,
      run: () => props.onOpenFile(`/workspace/${m.path}`),
    }))
  })

  function choose(i: number) {
    const item = items()[i]
    if (!item) return
    props.close()
    void item.run()
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'ArrowDown') setSelected((s) => Math.min(items().length - 1, s + 1))
    else if (e.key === 'ArrowUp') setSelected((s) => Math.max(0, s - 1))
    else if (e.key === 'Enter') choose(selected())
    else if (e.key === 'Escape') props.close()
    else return
    e.preventDefault()
    e.stopPropagation()
    document.querySelector('.palette li.selected')?.scrollIntoView({ block: 'nearest' })
  }

  return (
    <div class="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.close()}>
      <div class="palette" role="dialog" aria-label={mode() === 'commands' ? 'Command palette' : 'Quick open'}>
        <input
          aria-label={mode() === 'commands' ? 'Type a command' : 'Search files by name'}
          placeholder={mode() === 'commands' ? 'Type a command' : 'Search files by name (type > for commands)'}
          value={text()}
          autofocus
          ref={(el) => queueMicrotask(() => el.focus())}
          onInput={(e) => (setText(e.currentTarget.value), setSelected(0))}
          onKeyDown={onKeyDown}
          onBlur={(e) => !e.relatedTarget && queueMicrotask(() => document.querySelector<HTMLInputElement>('.palette input')?.focus())}
        />
        <Show when={mode() === 'files' && files.loading}>
          <p class="hint">Listing files…</p>
        </Show>
        <Show when={items().length === 0 && !files.loading}>
          <p class="hint">{mode() === 'commands' ? 'No matching commands.' : 'No matching files.'}</p>
        </Show>
        <ul role="listbox">
          <For each={items()}>
            {(item, i) => (
              <li role="option" aria-selected={selected() === i()} classList={{ selected: selected() === i() }} onMouseDown={(e) => (e.preventDefault(), choose(i()))} onMouseMove={() => setSelected(i())}>
                <span class="label">{highlight(item.label, item.positions, item.detail.length - item.label.length)}</span>
                <span class="detail">{item.detail}</span>
              </li>
            )}
          </For>
        </ul>
      </div>
    </div>
  )
}

/** The label with matched characters in <b>; `offset` maps path positions onto the label. */
function highlight(label: string, positions: number[], offset: number) {
  const set = new Set(positions.map((p) => p - offset).filter((p) => p >= 0))
  if (set.size === 0) return label
  return [...label].map((ch, i) => (set.has(i) ? <b>{ch}</b> : ch))
}
