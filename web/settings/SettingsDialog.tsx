import { Suspense, createSignal, lazy } from 'solid-js'
import type { Settings } from './settings'
import type { ModelsSectionHandle, ModelsSectionOptions } from './ModelsSection'
import { Modal } from '../ui/Modal'

// Loaded with the dialog, not with the app: it brings the model providers.
const ModelsSection = lazy(() => import('./ModelsSection').then((m) => ({ default: m.ModelsSection })))
const RunnersSection = lazy(() => import('./RunnersSection').then((m) => ({ default: m.RunnersSection })))

/** Author, theme, font size, tab size, packages and models (stored in this browser). */
export function SettingsDialog(props: { settings: Settings; save: (s: Settings) => void; close: () => void; models?: ModelsSectionOptions }) {
  const [name, setName] = createSignal(props.settings.author.name)
  const [email, setEmail] = createSignal(props.settings.author.email)
  const [theme, setTheme] = createSignal(props.settings.theme)
  const [fontSize, setFontSize] = createSignal(String(props.settings.fontSize))
  const [tabSize, setTabSize] = createSignal(String(props.settings.tabSize))
  const [webcontainer, setWebcontainer] = createSignal(props.settings.webcontainer)
  const [registry, setRegistry] = createSignal(props.settings.npmRegistry)
  const [pythonIndex, setPythonIndex] = createSignal(props.settings.pythonIndex)
  const [throughEdge, setThroughEdge] = createSignal(props.settings.packagesThroughEdge)
  const [error, setError] = createSignal<string | null>(null)
  let models: ModelsSectionHandle | undefined
  const submit = async (e: Event) => {
    e.preventDefault()
    if (email().trim() && !/^[^\s@]+@[^\s@]+$/.test(email().trim())) return setError('That e-mail address does not look right.')
    const fs = Number(fontSize())
    const ts = Number(tabSize())
    if (!Number.isInteger(fs) || fs < 8 || fs > 40) return setError('Font size must be a whole number from 8 to 40.')
    if (!Number.isInteger(ts) || ts < 1 || ts > 16) return setError('Tab size must be a whole number from 1 to 16.')
    const reg = registry().trim()
    if (reg && !/^https?:\/\/[^\s/]+/.test(reg)) return setError('The npm registry must be an http(s) URL, e.g. https://registry.example.com/.')
    const index = pythonIndex().trim()
    if (index && !/^https?:\/\/[^\s/]+/.test(index)) return setError('The Python package index must be an http(s) URL, e.g. https://pypi.example.com/simple/.')
    const modelsProblem = await models?.save()
    if (modelsProblem) return setError(modelsProblem)
    props.save({ author: { name: name().trim(), email: email().trim() }, theme: theme(), fontSize: fs, tabSize: ts, webcontainer: webcontainer(), npmRegistry: reg, pythonIndex: index, packagesThroughEdge: throughEdge() })
    props.close()
  }
  return (
    <Modal label="Settings" close={props.close}>
      <form class="dialog-form" onSubmit={submit}>
        <h2>Settings</h2>
        <label>
          Author name <input name="author-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} autofocus />
        </label>
        <label>
          Author e-mail <input name="author-email" type="email" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Theme
          <select name="theme" value={theme()} onChange={(e) => setTheme(e.currentTarget.value as Settings['theme'])}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <div class="row">
          <label>
            Editor font size <input name="font-size" type="number" min="8" max="40" value={fontSize()} onInput={(e) => setFontSize(e.currentTarget.value)} />
          </label>
          <label>
            Tab size <input name="tab-size" type="number" min="1" max="16" value={tabSize()} onInput={(e) => setTabSize(e.currentTarget.value)} />
          </label>
        </div>
        <label class="checkbox">
          <input name="webcontainer" type="checkbox" checked={webcontainer()} onChange={(e) => setWebcontainer(e.currentTarget.checked)} />
          Run commands in WebContainer when online (StackBlitz-hosted; falls back to the embedded runtime)
        </label>
        <label>
          npm registry (used where a project’s .npmrc names none)
          <input name="npm-registry" type="url" placeholder="https://…" value={registry()} onInput={(e) => setRegistry(e.currentTarget.value)} />
        </label>
        <label>
          Python package index (a PEP 503 simple API, for pip where a project names none)
          <input name="python-index" type="url" placeholder="https://…/simple/" value={pythonIndex()} onInput={(e) => setPythonIndex(e.currentTarget.value)} />
        </label>
        <label class="checkbox">
          <input name="packages-through-edge" type="checkbox" checked={throughEdge()} onChange={(e) => setThroughEdge(e.currentTarget.checked)} />
          Fetch packages through the edge (it keeps registry tokens; directly when there is no edge)
        </label>
        <Suspense>
          <ModelsSection {...props.models} register={(handle) => (models = handle)} />
        </Suspense>
        <Suspense>
          <RunnersSection />
        </Suspense>
        {error() && <p class="error" role="alert">{error()}</p>}
        <div class="actions">
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit">Save</button>
        </div>
      </form>
    </Modal>
  )
}
