import { For, Show, createResource, createSignal } from 'solid-js'
import type { DirEntry, FileStatus } from '../../shared/protocol'
import type { WorkspaceClient } from '../workspace/client'

/** The namespace as a tree: mounts at the top, `/workspace` expanded, children loaded on demand. */
export function FileTree(props: { client: WorkspaceClient; projectId: string; status: FileStatus[]; version: number; onOpen: (path: string) => void; selected: string | null }) {
  return (
    <nav class="tree" aria-label="Files">
      <Dir {...props} path="/" depth={0} />
    </nav>
  )
}

function statusOf(status: FileStatus[], path: string): string | null {
  if (!path.startsWith('/workspace/')) return null
  const rel = path.slice('/workspace/'.length)
  const hit = status.find((s) => s.path === rel || s.path.startsWith(rel + '/'))
  return hit ? (hit.group === 'untracked' ? 'untracked' : hit.change) : null
}

function Dir(props: { client: WorkspaceClient; projectId: string; status: FileStatus[]; version: number; onOpen: (path: string) => void; selected: string | null; path: string; depth: number }) {
  const [entries] = createResource(
    () => [props.path, props.version] as const,
    ([path]) => props.client.rpc.call('readdir', { projectId: props.projectId, path }),
  )
  return (
    <ul role={props.depth === 0 ? 'tree' : 'group'}>
      <Show when={entries.error}>
        <li class="error">{(entries.error as Error).message}</li>
      </Show>
      <For each={entries()?.filter((e) => !(e.path === '/workspace/.git'))}>{(entry) => <Node {...props} entry={entry} />}</For>
    </ul>
  )
}

function Node(props: { client: WorkspaceClient; projectId: string; status: FileStatus[]; version: number; onOpen: (path: string) => void; selected: string | null; entry: DirEntry; depth: number }) {
  const [open, setOpen] = createSignal(props.entry.path === '/workspace')
  const state = () => statusOf(props.status, props.entry.path)
  return (
    <li role="treeitem" aria-expanded={props.entry.type === 'dir' ? open() : undefined} data-path={props.entry.path}>
      <button
        type="button"
        class={`entry ${props.entry.type} ${state() ?? ''}`}
        classList={{ selected: props.selected === props.entry.path }}
        style={{ 'padding-left': `${props.depth * 12 + 4}px` }}
        onClick={() => (props.entry.type === 'dir' ? setOpen(!open()) : props.onOpen(props.entry.path))}
      >
        <span class="icon">{props.entry.type === 'dir' ? (open() ? '▾' : '▸') : props.entry.type === 'symlink' ? '↪' : ' '}</span>
        {props.entry.name}
        <Show when={props.entry.readOnly && props.depth === 0}>
          <span class="badge" title="mounted read-only">read-only</span>
        </Show>
      </button>
      <Show when={open() && props.entry.type === 'dir'}>
        <Dir {...props} path={props.entry.path} depth={props.depth + 1} />
      </Show>
    </li>
  )
}
