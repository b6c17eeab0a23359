/** @module import-depth1: shallow clone of the large fixture into the workspace vs `git clone --depth 1 --single-branch --no-tags`. */
import { createImportCase } from '../import-case.mjs'

export default createImportCase({ name: 'import-depth1', depth: 1 })
