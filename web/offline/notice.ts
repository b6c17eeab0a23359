/**
 * Shows a small bar, bottom right, saying a new version is ready, with "Reload" (the project
 * view's unsaved-changes prompt still applies) and "Later". At most one bar at a time.
 */
export function showUpdateNotice(): void {
  if (document.getElementById('coder-update-notice')) return
  const bar = document.createElement('div')
  bar.id = 'coder-update-notice'
  bar.setAttribute('role', 'status')
  bar.style.cssText =
    'position:fixed;right:1rem;bottom:1rem;z-index:1000;display:flex;gap:.5rem;align-items:center;' +
    'padding:.5rem .75rem;border:1px solid GrayText;border-radius:6px;background:Canvas;color:CanvasText;' +
    'font:inherit;box-shadow:0 2px 8px rgb(0 0 0 / .2)'
  const button = (label: string, onClick: () => void) => {
    const b = document.createElement('button')
    b.type = 'button'
    b.textContent = label
    b.addEventListener('click', onClick)
    return b
  }
  bar.append(
    'A new version of Coder is ready; it starts when you reload.',
    button('Reload', () => location.reload()),
    button('Later', () => bar.remove()),
  )
  document.body.append(bar)
}
