/** @module Search across a workspace's files and the file list behind quick open. */
export { searchFiles, listFiles, compileQuery, matchText, DEFAULT_EXCLUDES, SEARCH_MAX_FILE_BYTES } from './search'
