/** @module The model stand-in: a scripted local LLM server speaking OpenAI's and Anthropic's wire formats, for tests and `npm start`. */
export { startModelStandIn, type ModelStandIn, type ModelStandInOptions } from './server.ts'
export type { ModelRequest } from './exchange.ts'
export { defaultScript, loadScriptDir, type Api, type Script, type ScriptMatch, type ScriptReply, type ScriptToolCall, type ScriptError } from './script.ts'
