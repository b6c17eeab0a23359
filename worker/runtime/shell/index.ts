/** @module The embedded shell: parsing command lines, and running them over programs and built-ins. */
export { parseCommandLine, tokenize, ShellSyntaxError, type CommandList, type Pipeline, type Redirect, type SimpleCommand } from './parse'
export { runCommandLine, BUILTIN_COMMANDS, type CommandContext, type ShellHost, type ShellIo } from './run'
