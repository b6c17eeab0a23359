import { startDrag } from '../project/layout'

/**
 * A drag handle between two panes: `axis` 'x' resizes widths (a vertical bar), 'y' heights.
 * `resize` gets the size the pane had when the drag began plus the pointer's travel.
 */
export function Splitter(props: { axis: 'x' | 'y'; label: string; size: () => number; resize: (size: number) => void; invert?: boolean }) {
  return (
    <div
      class={`splitter ${props.axis === 'x' ? 'vertical' : 'horizontal'}`}
      role="separator"
      aria-orientation={props.axis === 'x' ? 'vertical' : 'horizontal'}
      aria-label={props.label}
      onPointerDown={(e) => {
        const start = props.size()
        startDrag(e, props.axis, (d) => props.resize(start + (props.invert ? -d : d)))
      }}
    />
  )
}
