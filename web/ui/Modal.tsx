import { onCleanup, onMount, type JSX } from 'solid-js'

/**
 * A modal dialog: Escape or a click on the backdrop closes it, focus moves inside on open and
 * returns to where it was on close.
 */
export function Modal(props: { label: string; close: () => void; children: JSX.Element; class?: string }) {
  let box!: HTMLDivElement
  const previous = document.activeElement as HTMLElement | null
  onMount(() => {
    const first = box.querySelector<HTMLElement>('[autofocus], input, select, textarea, button')
    first?.focus()
  })
  onCleanup(() => previous?.focus?.())
  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.close()}>
      <div
        ref={box}
        class={`dialog ${props.class ?? ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={props.label}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation()
            props.close()
          }
        }}
      >
        {props.children}
      </div>
    </div>
  )
}
