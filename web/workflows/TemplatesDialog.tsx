import { For, Show, createSignal } from 'solid-js'
import { WORKFLOW_DIR, WORKFLOW_TEMPLATES } from '../../shared/workflow'
import { Modal } from '../ui/Modal'
import type { WorkspaceClient } from '../workspace/client'
import { createWorkflowFile } from './project-workflows'

/**
 * "New workflow from template": the templates with what each does; choosing one writes it as
 * `.coder/workflows/<fileName>` (never over an existing file) and hands its path to `created`.
 */
export function TemplatesDialog(props: { client: WorkspaceClient; projectId: string; close(): void; created(path: string): void }) {
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const create = async (fileName: string, source: string) => {
    setError(null)
    setBusy(true)
    try {
      const out = await createWorkflowFile(props.client, props.projectId, fileName, source)
      if (!out.ok) return setError(out.message)
      props.close()
      props.created(out.path)
    } catch (e) {
      setError(`Could not write ${WORKFLOW_DIR}/${fileName}: ${(e as Error).message}`)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal label="New workflow from template" close={props.close} class="workflow-templates">
      <h2>New workflow from template</h2>
      <p class="hint">The template is written to {WORKFLOW_DIR}/ in this project and opened in the editor; commit and push it to the default branch for its triggers to fire.</p>
      <ul class="template-list">
        <For each={WORKFLOW_TEMPLATES}>
          {(t) => (
            <li>
              <div>
                <strong>{t.title}</strong> <code class="hint">{t.fileName}</code>
                <p class="hint">{t.description}</p>
              </div>
              <button type="button" disabled={busy()} aria-label={`Create ${t.title}`} onClick={() => void create(t.fileName, t.source)}>Create</button>
            </li>
          )}
        </For>
      </ul>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <div class="actions">
        <button type="button" onClick={props.close}>Close</button>
      </div>
    </Modal>
  )
}
