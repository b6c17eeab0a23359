/** @module The workspace worker's API handlers (what the UI may ask the worker to do). */
export { createWorkspaceHandlers, nameFromUrl } from './handlers'
