/** @module Which files the runtime compiles (TypeScript, JSX, ES modules → CommonJS) and how. */
export { compileLoader, hasEsmSyntax, isEsmFile, MODULE_EXTENSIONS, RESOLVE_EXTENSIONS, type CompileLoader } from './rules'
