import type { LocalFile } from '../../shared/protocol'

/** A picked folder: its name and its files with paths relative to it. */
export interface PickedFolder {
  name: string
  files: LocalFile[]
}

async function bytesOf(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer())
}

/** From `<input type="file" webkitdirectory>`: paths come as `folder/sub/file`. */
export async function fromFileList(list: FileList): Promise<PickedFolder | null> {
  const all = [...list]
  if (all.length === 0) return null
  const name = all[0].webkitRelativePath.split('/')[0] || 'folder'
  const files = await Promise.all(all.map(async (f) => ({ path: f.webkitRelativePath.split('/').slice(1).join('/') || f.name, data: await bytesOf(f) })))
  return { name, files }
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject))
}

async function walkEntry(entry: FileSystemEntry, prefix: string, out: LocalFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push({ path: prefix + entry.name, data: await bytesOf(file) })
    return
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  // readEntries returns at most ~100 entries a call: read until it returns none.
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
    for (const child of batch) await walkEntry(child, `${prefix}${entry.name}/`, out)
  }
}

/** From a drop: the first dropped folder (or loose files, as a folder named "dropped files"). */
export async function fromDrop(data: DataTransfer): Promise<PickedFolder | null> {
  const entries = [...data.items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null)
  if (entries.length === 0) return null
  const dir = entries.find((e) => e.isDirectory)
  const files: LocalFile[] = []
  if (dir) {
    await walkEntry(dir, '', files)
    return { name: dir.name, files: files.map((f) => ({ ...f, path: f.path.slice(dir.name.length + 1) })) }
  }
  for (const e of entries) await walkEntry(e, '', files)
  return { name: 'dropped files', files }
}
