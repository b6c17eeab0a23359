/** @module The page ⇄ service worker contract: the build's file manifest and the messages pages send. */

/**
 * What one build of the IDE consists of, injected into /sw.js at build time. Paths are absolute
 * on the site ('/', '/assets/index-3fa1c2.js').
 */
export interface ShellManifest {
  /** Changes whenever any file of the build changes (index.html included), so browsers see a new /sw.js. */
  version: string
  /** Precached on install: '/' (index.html), the page's entry chunks with their static imports and CSS, worker scripts. */
  shell: string[]
  /** The entry scripts index.html loads: an index.html that names them all belongs to this build. */
  entries: string[]
  /** Every hashed file of the build (`/assets/*`); cached assets not in it are deleted on activate. */
  files: string[]
}

/** Messages a page posts to a service worker. */
export type PageMessage =
  /**
   * Does the page whose code includes `url` run this worker's build? Answered with a
   * `CurrentReply` on the message's first port: a page that already runs the newly installed
   * version (a reload fetched it) is not told that an update is ready.
   */
  | { type: 'check-current'; url: string }
  /** Assets the page loaded before a service worker controlled it, to cache if they are missing. */
  | { type: 'cache'; urls: string[] }
  /**
   * Cache every file of the build that is still missing (lazy chunks never loaded yet, such as a
   * language not opened so far), so everything works offline. Sent once the page is idle.
   */
  | { type: 'cache-all' }

/** The answer to `check-current`. */
export interface CurrentReply {
  current: boolean
}
