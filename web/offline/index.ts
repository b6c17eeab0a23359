/** @module Offline support on the page's side: registers the service worker (web/sw) and tells the page about updates. */
export { registerServiceWorker, type OfflineOptions } from './register'
export { showUpdateNotice } from './notice'
