/**
 * The "Models" part of Settings in real Chromium, against the model stand-ins on another origin:
 * choosing a provider, testing the connection, picking the default model, detecting a local server,
 * and what Save keeps (in IndexedDB) or refuses.
 */
import { createComponent } from 'solid-js'
import { render } from 'solid-js/web'
import { afterEach, describe, expect, inject, test } from 'vitest'
import { page } from 'vitest/browser'
import { clearModelSettings, loadModelSettings, saveModelSettings, DEFAULT_MODEL_SETTINGS } from '../../worker/models'
import { DEFAULT_SETTINGS, type Settings } from './settings'
import { SettingsDialog } from './SettingsDialog'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/model-standin.ts.
  export interface ProvidedContext {
    contractModels: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
    localModels: { url: string; openaiBaseUrl: string; control: string }
  }
}

const contract = inject('contractModels')
const local = inject('localModels')
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
})

/** Opens the dialog on its own settings database; resolves what Save and Close did. */
function open(database = `coder-models-ui-${crypto.randomUUID()}`) {
  const saved: Settings[] = []
  let closed = false
  const host = document.createElement('div')
  document.body.append(host)
  const dispose = render(
    () =>
      createComponent(SettingsDialog, {
        settings: DEFAULT_SETTINGS,
        save: (s) => saved.push(s),
        close: () => (closed = true),
        models: { database, candidates: [{ name: 'Ollama', baseUrl: local.openaiBaseUrl }, { name: 'LM Studio', baseUrl: 'http://127.0.0.1:9/v1' }] },
      }),
    host,
  )
  cleanup.push(() => (dispose(), host.remove()), () => clearModelSettings({ database }))
  return { database, saved, closed: () => closed }
}

const status = () => page.getByRole('status')
/** The locator's text as it changes (polled: network answers take their time). */
const text = (locator: ReturnType<typeof page.getByRole>) => expect.poll(() => locator.query()?.textContent ?? '', { timeout: 10_000 })

describe('Settings → Models', () => {
  test('your own key: test the connection, pick the default model, save; the key is kept in IndexedDB', async () => {
    const dialog = open()
    await page.getByRole('radio', { name: 'Your own key' }).click()
    await page.getByRole('combobox', { name: 'API' }).selectOptions('OpenAI-compatible (OpenRouter, …)')
    await page.getByLabelText('Base URL').fill(contract.openaiBaseUrl)
    const key = page.getByLabelText('API key')
    expect(key.element().getAttribute('type')).toBe('password')
    await key.fill(contract.key)
    await expect.element(page.getByText(/Your key stays in this browser/)).toBeVisible()
    await page.getByRole('button', { name: 'Test connection' }).click()
    await text(status()).toMatch(/^Connected to 127\.0\.0\.1:\d+ \(your key\): \d+ models\.$/)
    const picker = page.getByRole('combobox', { name: 'Default model' })
    await expect.element(picker).toHaveValue('standin-gpt')
    await picker.selectOptions('standin-claude')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => dialog.closed()).toBe(true)
    expect(dialog.saved).toHaveLength(1)
    expect(await loadModelSettings({ database: dialog.database })).toEqual({
      provider: { kind: 'direct', format: 'openai', baseUrl: contract.openaiBaseUrl, apiKey: contract.key },
      defaultModel: 'standin-claude',
    })
  })

  test('a refused key shows the provider’s own message, and Anthropic is spoken when chosen', async () => {
    open()
    await page.getByRole('radio', { name: 'Your own key' }).click()
    await page.getByRole('combobox', { name: 'API' }).selectOptions('Anthropic')
    await expect.element(page.getByLabelText('Base URL')).toHaveValue('https://api.anthropic.com')
    await page.getByLabelText('Base URL').fill(contract.anthropicBaseUrl)
    await page.getByLabelText('API key').fill('sk-wrong')
    await page.getByRole('button', { name: 'Test connection' }).click()
    await text(status()).toMatch(/invalid x-api-key/)
    await page.getByLabelText('API key').fill(contract.key)
    await page.getByRole('button', { name: 'Test connection' }).click()
    await text(status()).toMatch(/^Connected to/)
  })

  test('a base URL on Coder’s own origin is refused on Save: the key would go to the edge', async () => {
    const dialog = open()
    await page.getByRole('radio', { name: 'Your own key' }).click()
    await page.getByLabelText('Base URL').fill(`${location.origin}/v1`)
    await page.getByLabelText('API key').fill('sk-mine')
    await page.getByRole('button', { name: 'Save' }).click()
    // The dialog's own alert (other sections, such as Runners without an edge here, may show theirs).
    await expect.element(page.getByRole('alert').filter({ hasText: /your key would be sent to the edge/ })).toBeVisible()
    expect(dialog.closed()).toBe(false)
    expect(dialog.saved).toHaveLength(0)
    expect(await loadModelSettings({ database: dialog.database })).toEqual(DEFAULT_MODEL_SETTINGS)
  })

  test('local server: Detect lists the server that answers; choosing it fills the URL and the models', async () => {
    const dialog = open()
    await page.getByRole('radio', { name: 'Local server' }).click()
    await page.getByRole('button', { name: 'Detect' }).click()
    const found = page.getByRole('list', { name: 'Local servers found' }).getByRole('button')
    await text(found).toMatch(/^Ollama on 127\.0\.0\.1:\d+ · \d+ models$/)
    await found.click()
    await expect.element(page.getByLabelText('Server URL')).toHaveValue(local.openaiBaseUrl)
    await expect.element(page.getByRole('combobox', { name: 'Default model' })).toHaveValue('standin-gpt')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => dialog.closed()).toBe(true)
    expect(await loadModelSettings({ database: dialog.database })).toMatchObject({ provider: { kind: 'local', baseUrl: local.openaiBaseUrl, label: expect.stringMatching(/^Ollama on /) }, defaultModel: 'standin-gpt' })
  })

  test('opening Settings again shows what was saved; saving other settings leaves it alone', async () => {
    const database = `coder-models-ui-${crypto.randomUUID()}`
    const kept = { provider: { kind: 'direct', format: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-kept' }, defaultModel: 'claude-x' } as const
    await saveModelSettings(kept, { database })
    const dialog = open(database)
    await expect.element(page.getByRole('radio', { name: 'Your own key' })).toBeChecked()
    await expect.element(page.getByLabelText('API key')).toHaveValue('sk-ant-kept')
    await expect.element(page.getByRole('combobox', { name: 'Default model' })).toHaveValue('claude-x')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => dialog.closed()).toBe(true)
    expect(await loadModelSettings({ database })).toEqual(kept)
  })
})
