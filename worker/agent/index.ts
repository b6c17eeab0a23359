/** @module MechaCoder's core: the agent loop, its budget and stuck watch, and its tools. Plain TypeScript; the UI only renders its events. */
export { runAgent, type AgentRunOptions, type RunStopped } from './loop'
export { BudgetTracker, StuckWatch, STUCK_AFTER, type BudgetCheck } from './budget'
export { validate, type AgentTool, type ToolContext, type Schema } from './tool'
export { fileTools, finishTool, resolvePath, WORKSPACE } from './tools/files'
