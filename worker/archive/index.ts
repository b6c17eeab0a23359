/** @module Archives of workspace files for download (zip). */
export { createZip, type ZipEntry } from './zip'
export { zipDirectory } from './export'
