import { createSignal } from 'solid-js'

/** The project view's layout, remembered per project in localStorage. */
export interface Layout {
  sidebar: 'files' | 'search' | 'git' | 'tests' | 'deployments'
  sidebarVisible: boolean
  sidebarWidth: number
  panelVisible: boolean
  panelHeight: number
  /** The bottom panel's tab: the terminal and the agent feed live there. */
  panel: 'terminal' | 'preview' | 'agent'
}

const DEFAULT: Layout = { sidebar: 'files', sidebarVisible: true, sidebarWidth: 280, panelVisible: false, panelHeight: 220, panel: 'terminal' }
const key = (projectId: string) => `coder.layout.${projectId}`

/** Pane sizes within bounds that keep every pane usable (a damaged stored value gets the default). */
function clampSizes(l: Layout): Layout {
  const clamp = (n: unknown, min: number, max: number, d: number) => (typeof n === 'number' && Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : d)
  return { ...l, sidebarWidth: clamp(l.sidebarWidth, 160, 800, DEFAULT.sidebarWidth), panelHeight: clamp(l.panelHeight, 80, 1200, DEFAULT.panelHeight) }
}

/** The layout of a project (stored values clamped to sane sizes) and a setter that remembers it. */
export function createLayout(projectId: string) {
  let stored: Partial<Layout> = {}
  try {
    stored = JSON.parse(localStorage.getItem(key(projectId)) ?? '{}') as Partial<Layout>
  } catch {
    // A damaged entry: start from the defaults.
  }
  const initial: Layout = clampSizes({
    sidebar: stored.sidebar === 'search' || stored.sidebar === 'git' || stored.sidebar === 'tests' || stored.sidebar === 'deployments' ? stored.sidebar : 'files',
    sidebarVisible: stored.sidebarVisible ?? DEFAULT.sidebarVisible,
    sidebarWidth: stored.sidebarWidth ?? DEFAULT.sidebarWidth,
    panelVisible: stored.panelVisible ?? DEFAULT.panelVisible,
    panelHeight: stored.panelHeight ?? DEFAULT.panelHeight,
    panel: stored.panel === 'agent' || stored.panel === 'preview' ? stored.panel : 'terminal',
  })
  const [layout, setLayout] = createSignal(initial)
  return {
    layout,
    /** Sets `fields`; pane sizes are kept within sane bounds. */
    update(fields: Partial<Layout>) {
      const next = clampSizes({ ...layout(), ...fields })
      setLayout(next)
      localStorage.setItem(key(projectId), JSON.stringify(next))
    },
  }
}

/**
 * Drag handling for a splitter: calls `onMove` with the pointer's travel since the drag began
 * (pixels, along x or y), and captures the pointer so the drag survives leaving the splitter.
 */
export function startDrag(event: PointerEvent, axis: 'x' | 'y', onMove: (delta: number) => void) {
  const target = event.currentTarget as HTMLElement
  const start = axis === 'x' ? event.clientX : event.clientY
  target.setPointerCapture(event.pointerId)
  document.body.classList.add(axis === 'x' ? 'resizing-x' : 'resizing-y')
  const move = (e: PointerEvent) => onMove((axis === 'x' ? e.clientX : e.clientY) - start)
  const up = () => {
    target.removeEventListener('pointermove', move)
    target.removeEventListener('pointerup', up)
    document.body.classList.remove('resizing-x', 'resizing-y')
  }
  target.addEventListener('pointermove', move)
  target.addEventListener('pointerup', up)
  event.preventDefault()
}
