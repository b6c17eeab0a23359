/** @module The workspace worker's API handlers (what the UI may ask the worker to do), and the hub serving many tabs. */
export { createWorkspaceHandlers, nameFromUrl, versionOf, EDIT_MAX_BYTES, OPEN_MAX_BYTES, type WorkspaceEnv } from './handlers'
export { createWorkspaceHub, type WorkspaceHub, type ClientPort } from './hub'
