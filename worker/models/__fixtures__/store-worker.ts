/** A Web Worker that reads the model settings, as the agent's worker does: the store must work without a page. */
import { loadModelSettings } from '../store'

self.addEventListener('message', async (event: MessageEvent<{ database: string }>) => {
  try {
    self.postMessage({ ok: true, settings: await loadModelSettings({ database: event.data.database }) })
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) })
  }
})
