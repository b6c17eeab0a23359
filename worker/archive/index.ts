/** @module Zip archives: writing workspace files for download, reading archives such as Python wheels. */
export { createZip, type ZipEntry } from './zip'
export { zipDirectory } from './export'
export { listZip, readZipItem, unzip, type ZipItem, type UnzippedFile, type UnzipOptions } from './unzip'
