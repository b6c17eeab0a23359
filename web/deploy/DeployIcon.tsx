/** The Deployments view's icon in the activity bar: a cloud with an arrow going up (24×24, currentColor). */
export const DeployIcon = () => (
  <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
    <path d="M7 18a4.5 4.5 0 0 1-.5-9A6 6 0 0 1 18 9.5a4 4 0 0 1-1 8.5M12 12v8M9 15l3-3 3 3" />
  </svg>
)
