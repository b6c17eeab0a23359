/** @module import-full: full clone + checkout of the large fixture into the workspace vs native `git clone`. */
import { createImportCase } from '../import-case.mjs'

export default createImportCase({ name: 'import-full' })
