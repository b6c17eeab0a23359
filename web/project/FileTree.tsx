import { For, Show, createMemo, createSignal, onCleanup, onMount } from 'solid-js'
import { STANDARD_MOUNTS, basename, dirname, isWithin, joinPath } from '../../shared/namespace'
import type { DirEntry } from '../../shared/protocol'
import type { Dialogs } from '../ui/dialogs'
import { CollapseIcon, NewFileIcon, NewFolderIcon } from '../ui/icons'
import type { ProjectModel } from './model'

const ROW = 22
/** Rows drawn beyond the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 12

/** Folders first, then names as the user's locale orders them (one collator: `localeCompare` per pair is several times slower). */
const collator = new Intl.Collator()
const byKindThenName = (a: DirEntry, b: DirEntry) => ((a.type === 'dir') !== (b.type === 'dir') ? (a.type === 'dir' ? -1 : 1) : collator.compare(a.name, b.name))

/** `next`, reusing the objects of `old` that did not change, so rows already drawn stay as they are. */
function keepUnchanged(old: readonly DirEntry[] | undefined, next: DirEntry[]): DirEntry[] {
  if (!old) return next
  const byPath = new Map(old.map((e) => [e.path, e]))
  return next.map((e) => {
    const o = byPath.get(e.path)
    return o && o.name === e.name && o.type === e.type && o.size === e.size && o.readOnly === e.readOnly ? o : e
  })
}

interface Row {
  entry: DirEntry
  depth: number
}

/** Props: the model, what to do with a file, and the dialogs for names and confirmations. */
export interface FileTreeProps {
  model: ProjectModel
  dialogs: Dialogs
  selected: string | null
  onOpen(path: string): void
  /** A path was renamed or moved here (open tabs follow it). */
  onRenamed(from: string, to: string): void
  /** A path was deleted here (open tabs are marked deleted). */
  onRemoved(path: string): void
  onError(message: string): void
}

/** A name the namespace accepts: no slashes, not `.` or `..`, not empty. */
function checkName(name: string): string | null {
  if (!name.trim()) return 'A name is required.'
  if (name.includes('/') || name.includes('\\')) return 'A name cannot contain slashes.'
  if (name === '.' || name === '..') return `'${name}' is not a valid name.`
  return null
}

/**
 * The namespace as a tree: every mount at the top (`/workspace` expanded, read-only ones marked),
 * folders loaded when expanded, and only the rows in view drawn, so 20,000 files open instantly.
 * Create, rename, delete (also with F2 / Delete), drag to move, git status colours.
 */
export function FileTree(props: FileTreeProps) {
  const rpc = props.model.client.rpc
  const projectId = props.model.projectId
  // Plain arrays in one signal, not a store: a store would track every field of 10,000 entries read by `rows`.
  const [listed, setListed] = createSignal<ReadonlyMap<string, readonly DirEntry[]>>(new Map())
  const children = (dir: string) => listed().get(dir)
  const setChildren = (dir: string, entries: DirEntry[] | undefined) =>
    setListed((prev) => {
      const next = new Map(prev)
      if (entries) next.set(dir, keepUnchanged(prev.get(dir), entries))
      else next.delete(dir)
      return next
    })
  const [expanded, setExpanded] = createSignal<ReadonlySet<string>>(new Set(['/', '/workspace']))
  const [focused, setFocused] = createSignal<string | null>(null)
  const [scrollTop, setScrollTop] = createSignal(0)
  const [height, setHeight] = createSignal(600)
  const [dropTarget, setDropTarget] = createSignal<string | null>(null)
  const [menu, setMenu] = createSignal<{ x: number; y: number; entry: DirEntry | null } | null>(null)
  let scroller!: HTMLDivElement

  async function load(dir: string) {
    try {
      const entries = await rpc.call('readdir', { projectId, path: dir })
      setChildren(dir, entries.filter((e) => e.path !== '/workspace/.git').sort(byKindThenName))
    } catch (error) {
      // A folder deleted elsewhere: forget it.
      setChildren(dir, undefined)
      if ((error as { code?: string }).code !== 'ENOENT') props.onError((error as Error).message)
    }
  }

  const isOpen = (path: string) => expanded().has(path)
  function toggle(path: string, open = !isOpen(path)) {
    const next = new Set(expanded())
    if (open) {
      next.add(path)
      if (!children(path)) void load(path)
    } else next.delete(path)
    setExpanded(next)
  }

  /** Visible rows: a depth-first walk of the expanded folders that are loaded. */
  const rows = createMemo<Row[]>(() => {
    const out: Row[] = []
    const walk = (dir: string, depth: number) => {
      for (const entry of children(dir) ?? []) {
        out.push({ entry, depth })
        if (entry.type === 'dir' && isOpen(entry.path)) walk(entry.path, depth + 1)
      }
    }
    walk('/', 0)
    return out
  })

  const decorations = createMemo(() => {
    const map = new Map<string, string>()
    for (const s of props.model.status()) {
      const path = `/workspace/${s.path}`
      map.set(path, s.group === 'untracked' ? 'untracked' : s.change)
      for (let d = dirname(path); d !== '/workspace' && d !== '/'; d = dirname(d)) if (!map.has(d)) map.set(d, 'contains-changes')
    }
    return map
  })

  const visible = createMemo(() => {
    const all = rows()
    const start = Math.max(0, Math.floor(scrollTop() / ROW) - OVERSCAN)
    const end = Math.min(all.length, Math.ceil((scrollTop() + height()) / ROW) + OVERSCAN)
    return { start, items: all.slice(start, end) }
  })

  onMount(() => {
    void Promise.all([load('/'), load('/workspace')])
    const observer = new ResizeObserver(() => setHeight(scroller.clientHeight))
    observer.observe(scroller)
    onCleanup(() => observer.disconnect())
    const closeMenu = () => setMenu(null)
    window.addEventListener('click', closeMenu)
    onCleanup(() => window.removeEventListener('click', closeMenu))
  })

  // Changes anywhere (this tab, another tab, a checkout): reload the folders that hold them.
  const unsubscribe = props.model.onEvent((event) => {
    if (event.type !== 'files-changed' && event.type !== 'tree-changed') return
    const loaded = [...listed().keys()]
    const dirs = event.type === 'tree-changed' ? loaded : loaded.filter((d) => event.paths.some((p: string) => dirname(p) === d || isWithin(d, p)))
    for (const d of dirs) void load(d)
  })
  onCleanup(unsubscribe)

  /** The folder new entries go into, from a row (its folder, or the folder it is in). */
  const folderOf = (entry: DirEntry | null) => (!entry ? '/workspace' : entry.type === 'dir' ? entry.path : dirname(entry.path))

  async function create(kind: 'file' | 'folder', entry: DirEntry | null) {
    const dir = folderOf(entry)
    const name = await props.dialogs.prompt(kind === 'file' ? 'New file' : 'New folder', `Name (in ${dir})`, '', (v) => checkName(v) ?? (children(dir)?.some((e) => e.name === v.trim()) ? `'${v.trim()}' already exists here.` : null))
    if (!name) return
    const path = joinPath(dir, name)
    try {
      if (kind === 'folder') await rpc.call('mkdir', { projectId, path })
      else {
        const out = await rpc.call('writeFile', { projectId, path, data: new Uint8Array(0), expect: null })
        if (!out.ok) return props.onError(`'${name}' already exists in ${dir}.`)
      }
      toggle(dir, true)
      await load(dir)
      if (kind === 'file') props.onOpen(path)
    } catch (error) {
      props.onError((error as Error).message)
    }
  }

  async function move(from: string, to: string) {
    if (from === to) return
    try {
      await rpc.call('rename', { projectId, from, to })
      props.onRenamed(from, to)
      await Promise.all([load(dirname(from)), load(dirname(to))])
    } catch (error) {
      props.onError((error as Error).message)
    }
  }

  async function rename(entry: DirEntry) {
    const name = await props.dialogs.prompt(`Rename ${entry.type === 'dir' ? 'folder' : 'file'}`, 'New name', entry.name, checkName)
    if (name && name !== entry.name) await move(entry.path, joinPath(dirname(entry.path), name))
  }

  async function remove(entry: DirEntry) {
    const what = entry.type === 'dir' ? `the folder '${entry.name}' and everything in it` : `'${entry.name}'`
    const ok = await props.dialogs.choose('Delete', `Delete ${what}? This cannot be undone (unless it is committed in git).`, [{ label: 'Delete', value: 'delete', danger: true }])
    if (ok !== 'delete') return
    try {
      await rpc.call('remove', { projectId, path: entry.path })
      props.onRemoved(entry.path)
      await load(dirname(entry.path))
    } catch (error) {
      props.onError((error as Error).message)
    }
  }

  const writable = (entry: DirEntry | null) => !entry || (!entry.readOnly && !(STANDARD_MOUNTS as readonly string[]).includes(entry.path))

  function onKeyDown(e: KeyboardEvent) {
    const all = rows()
    const i = all.findIndex((r) => r.entry.path === focused())
    const current = all[i]?.entry
    const focusAt = (j: number) => {
      const r = all[Math.max(0, Math.min(all.length - 1, j))]
      if (!r) return
      setFocused(r.entry.path)
      const top = (all.indexOf(r)) * ROW
      if (top < scroller.scrollTop) scroller.scrollTop = top
      else if (top + ROW > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW - scroller.clientHeight
    }
    if (e.key === 'ArrowDown') focusAt(i + 1)
    else if (e.key === 'ArrowUp') focusAt(i - 1)
    else if (e.key === 'ArrowRight' && current?.type === 'dir') toggle(current.path, true)
    else if (e.key === 'ArrowLeft' && current) {
      if (current.type === 'dir' && isOpen(current.path)) toggle(current.path, false)
      else focusAt(all.findIndex((r) => r.entry.path === dirname(current.path)))
    } else if (e.key === 'Enter' && current) current.type === 'dir' ? toggle(current.path) : props.onOpen(current.path)
    else if (e.key === 'F2' && current && writable(current)) void rename(current)
    else if (e.key === 'Delete' && current && writable(current)) void remove(current)
    else return
    e.preventDefault()
  }

  return (
    <nav class="tree" aria-label="Files">
      <div class="tree-actions">
        <span class="title">Files</span>
        <button type="button" title="New file" aria-label="New file" onClick={() => void create('file', focusedEntry())}><NewFileIcon /></button>
        <button type="button" title="New folder" aria-label="New folder" onClick={() => void create('folder', focusedEntry())}><NewFolderIcon /></button>
        <button type="button" title="Collapse all" aria-label="Collapse all" onClick={() => setExpanded(new Set(['/', '/workspace']))}><CollapseIcon /></button>
      </div>
      <div
        ref={scroller}
        class="tree-scroll"
        role="tree"
        tabindex="0"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => {
          e.preventDefault()
          setMenu({ x: e.clientX, y: e.clientY, entry: null })
        }}
      >
        <div style={{ height: `${rows().length * ROW}px`, position: 'relative' }}>
          <For each={visible().items}>
            {(row, index) => {
              const entry = () => row.entry
              const deco = () => decorations().get(entry().path) ?? ''
              return (
                <div
                  role="treeitem"
                  data-path={entry().path}
                  aria-level={row.depth + 1}
                  aria-expanded={entry().type === 'dir' ? isOpen(entry().path) : undefined}
                  aria-selected={props.selected === entry().path}
                  class="row"
                  classList={{ 'drop-target': dropTarget() === entry().path }}
                  style={{ top: `${(visible().start + index()) * ROW}px` }}
                  draggable={writable(entry())}
                  onDragStart={(e) => e.dataTransfer?.setData('application/x-coder-path', entry().path)}
                  onDragOver={(e) => {
                    if (!e.dataTransfer?.types.includes('application/x-coder-path')) return
                    e.preventDefault()
                    setDropTarget(folderOf(entry()))
                  }}
                  onDragLeave={() => setDropTarget(null)}
                  onDrop={(e) => {
                    e.preventDefault()
                    setDropTarget(null)
                    const from = e.dataTransfer?.getData('application/x-coder-path')
                    const dir = folderOf(entry())
                    if (from && from !== dir && !isWithin(dir, from) && dirname(from) !== dir) void move(from, joinPath(dir, basename(from)))
                  }}
                  onContextMenu={(e) => {
                    e.preventDefault()
                    e.stopPropagation()
                    setFocused(entry().path)
                    setMenu({ x: e.clientX, y: e.clientY, entry: entry() })
                  }}
                >
                  <button
                    type="button"
                    tabindex="-1"
                    class={`entry ${entry().type} ${deco()}`}
                    classList={{ selected: props.selected === entry().path, focused: focused() === entry().path }}
                    style={{ 'padding-left': `${row.depth * 12 + 4}px` }}
                    onClick={() => {
                      setFocused(entry().path)
                      entry().type === 'dir' ? toggle(entry().path) : props.onOpen(entry().path)
                    }}
                  >
                    <span class="icon">{entry().type === 'dir' ? (isOpen(entry().path) ? '▾' : '▸') : entry().type === 'symlink' ? '↪' : ' '}</span>
                    <span class="name">{entry().name}</span>
                    <Show when={entry().readOnly && row.depth === 0}>
                      <span class="badge" title="mounted read-only">read-only</span>
                    </Show>
                  </button>
                </div>
              )
            }}
          </For>
        </div>
      </div>
      <Show when={menu()}>
        {(m) => (
          <ul class="context-menu" role="menu" style={{ left: `${m().x}px`, top: `${m().y}px` }}>
            <Show when={!m().entry?.readOnly}>
              <li role="menuitem" onClick={() => void create('file', m().entry)}>New file…</li>
              <li role="menuitem" onClick={() => void create('folder', m().entry)}>New folder…</li>
            </Show>
            <Show when={m().entry && writable(m().entry)}>
              <li role="menuitem" onClick={() => void rename(m().entry!)}>Rename… <kbd>F2</kbd></li>
              <li role="menuitem" class="danger" onClick={() => void remove(m().entry!)}>Delete <kbd>Del</kbd></li>
            </Show>
          </ul>
        )}
      </Show>
    </nav>
  )

  function focusedEntry(): DirEntry | null {
    const f = focused()
    return rows().find((r) => r.entry.path === f)?.entry ?? null
  }
}
