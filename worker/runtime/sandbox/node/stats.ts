const S_IFMT = 0o170000

/** Node's `fs.Stats`: the numeric fields, Date views of the times, and the type checks. */
export class Stats {
  dev = 0
  ino = 0
  mode = 0
  nlink = 0
  uid = 0
  gid = 0
  rdev = 0
  size = 0
  blksize = 0
  blocks = 0
  atimeMs = 0
  mtimeMs = 0
  ctimeMs = 0
  birthtimeMs = 0
  atime: Date
  mtime: Date
  ctime: Date
  birthtime: Date

  constructor(fields: Partial<Omit<Stats, 'atime' | 'mtime' | 'ctime' | 'birthtime'>> = {}) {
    Object.assign(this, fields)
    this.atime = new Date(this.atimeMs)
    this.mtime = new Date(this.mtimeMs)
    this.ctime = new Date(this.ctimeMs)
    this.birthtime = new Date(this.birthtimeMs)
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === 0o100000
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === 0o040000
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === 0o120000
  }
  isBlockDevice(): boolean {
    return false
  }
  isCharacterDevice(): boolean {
    return false
  }
  isFIFO(): boolean {
    return false
  }
  isSocket(): boolean {
    return false
  }
}

/** Node's `fs.Dirent`: an entry of `readdir({ withFileTypes: true })`. */
export class Dirent {
  #mode: number
  constructor(
    readonly name: string,
    readonly parentPath: string,
    mode: number,
  ) {
    this.#mode = mode & S_IFMT
  }
  /** Deprecated alias of `parentPath`, still read by many libraries. */
  get path(): string {
    return this.parentPath
  }
  isFile(): boolean {
    return this.#mode === 0o100000
  }
  isDirectory(): boolean {
    return this.#mode === 0o040000
  }
  isSymbolicLink(): boolean {
    return this.#mode === 0o120000
  }
  isBlockDevice(): boolean {
    return false
  }
  isCharacterDevice(): boolean {
    return false
  }
  isFIFO(): boolean {
    return false
  }
  isSocket(): boolean {
    return false
  }
}
