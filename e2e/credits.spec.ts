import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startModelStandIn, type ModelStandIn } from '../standins/models'
import { startStripeStandIn, type StripeStandIn } from '../standins/stripe'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { signInByEmail } from './support/ide'

// Buying credits and seeing what they were spent on, on the real edge (wrangler dev) with the
// Stripe stand-in (a hosted checkout page that pays and sends Stripe-signed webhooks) and the
// model stand-in: the purchase shows in the balance once the signed webhook arrives, a model
// call's cost shows in the usage plots and the history.
let browser: Browser
let stripe: StripeStandIn
let models: ModelStandIn
let edge: EdgeServer
const webhookSecret = 'whsec_e2e_credits'

beforeAll(async () => {
  ;[browser, stripe, models] = await Promise.all([
    connectBrowser(),
    startStripeStandIn({ apiKeys: ['sk_test_e2e'] }),
    startModelStandIn({ keys: ['sk-model-e2e'], scripts: [{ name: 'hello', match: { contains: 'hello' }, reply: { text: 'Hello!', usage: { input: 100000, output: 50000 } } }] }),
  ])
  edge = await startEdgeServer({
    vars: {
      EMAIL_DELIVERY: 'dev-mailbox',
      STARTER_CREDITS: '5',
      STRIPE_API_URL: stripe.url,
      MODEL_UPSTREAMS: JSON.stringify([{ name: 'e2e', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['e2e-*'] }]),
      MODEL_PRICES: JSON.stringify({ 'e2e-*': { input: 2, output: 8 } }),
    },
    secrets: { STRIPE_SECRET_KEY: 'sk_test_e2e', STRIPE_WEBHOOK_SECRET: webhookSecret, MODEL_KEYS: JSON.stringify({ e2e: 'sk-model-e2e' }) },
  })
  stripe.webhooks.push({ url: `${edge.url}/api/stripe/webhook`, secret: webhookSecret })
}, 180_000)

afterAll(async () => {
  await edge?.stop()
  await stripe?.close()
  await models?.close()
  await browser?.close()
})

describe('credits', () => {
  it('buys a credit pack through Checkout, shows the balance, and plots what a model call cost', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signInByEmail(page, edge.url, 'buyer@example.com')
    await page.locator('header.top').getByRole('button', { name: /buyer@example\.com/ }).click()
    await page.getByRole('menuitem', { name: 'Credits and usage' }).click()
    const balance = page.getByRole('region', { name: 'Balance' })
    await expect.poll(() => balance.textContent(), { timeout: 30_000 }).toMatch(/^5 credits available/)

    // Checkout on the Stripe stand-in's hosted page; back here, the signed webhook has credited the pack.
    await page.getByRole('button', { name: '10 credits · $10.00' }).click()
    await page.waitForURL(`${stripe.url}/pay/**`)
    await page.getByRole('button', { name: /^Pay/ }).click()
    await page.waitForURL(`${edge.url}/credits/success?session_id=*`)
    await expect.poll(() => page.locator('.checkout-status').textContent(), { timeout: 30_000 }).toBe('Payment received: 10 credits were added.')
    await expect.poll(() => page.getByRole('region', { name: 'Balance' }).textContent(), { timeout: 30_000 }).toMatch(/^15 credits available/)
    expect(stripe.deliveries.filter((d) => d.url.endsWith('/api/stripe/webhook')).map((d) => d.status)).toEqual([200])

    // A model call through the edge, charged at the table's prices: 0.1M in × 2 + 0.05M out × 8 = 0.6 credits.
    const answer = await page.evaluate(async () => {
      const res = await fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'coder-project': 'demo-project' }, body: JSON.stringify({ model: 'e2e-model', max_tokens: 100000, messages: [{ role: 'user', content: 'hello' }] }) })
      return (await res.json()) as { choices: Array<{ message: { content: string } }> }
    })
    expect(answer.choices[0]!.message.content).toBe('Hello!')
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click()
        return page.getByRole('region', { name: 'Balance' }).textContent()
      }, { timeout: 30_000 })
      .toMatch(/^14\.4 credits available.*0\.6 spent in all/)

    // The plots are drawn: a bar for today, one for the model, one for the project.
    const usage = page.getByRole('region', { name: 'Usage' })
    const perDay = usage.getByRole('img', { name: 'Credits per day' })
    await expect.poll(() => perDay.locator('rect.bar').count()).toBe(30)
    const today = new Date().toISOString().slice(0, 10)
    const days = await perDay.evaluate((svg) => Array.from(svg.querySelectorAll('g')).map((g) => [g.querySelector('title')?.textContent, g.querySelector('rect')?.getAttribute('height')]))
    expect(days).toContainEqual([`${today}: 0.6 credits`, '100'])
    expect(days.filter(([, h]) => h !== '0')).toHaveLength(1)
    expect(await usage.getByRole('img', { name: 'By model' }).locator('title').allTextContents()).toEqual(['e2e-model: 0.6 credits'])
    expect(await usage.getByRole('img', { name: 'By project' }).locator('title').allTextContents()).toEqual(['demo-project: 0.6 credits'])
    const box = await usage.getByRole('img', { name: 'By model' }).locator('rect.bar').boundingBox()
    expect(box!.width).toBeGreaterThan(100)

    // The history lists the purchase, the starter grant and the charge.
    const history = await page.getByRole('region', { name: 'History' }).locator('tr').allTextContents()
    expect(history.some((r) => /Bought\+10/.test(r))).toBe(true)
    expect(history.some((r) => /Granted\+5/.test(r))).toBe(true)
    expect(history.some((r) => /Spent−0\.6.*e2e-model.*demo-project/.test(r))).toBe(true)
    await context.close()
  })

  it('sets a daily cap and a project cap, shows today’s spending against them, and a call past a cap is refused with its message', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signInByEmail(page, edge.url, 'capper@example.com')
    await page.goto(`${edge.url}/credits`)
    const caps = page.getByRole('region', { name: 'Spending caps' })
    await expect.poll(() => caps.getByLabel('Spent today').textContent(), { timeout: 30_000 }).toBe('0 credits spent today, no daily cap')

    // What is not a number of credits is refused before anything is sent, and stays as typed.
    const daily = caps.getByLabel('Daily cap, all projects')
    await daily.fill('abc')
    await caps.getByRole('button', { name: 'Save caps' }).click()
    await expect.poll(() => caps.getByRole('alert').textContent()).toBe('The daily cap "abc" is not a number of credits (for example 5 or 0.25), or leave it empty for no cap.')
    expect(await daily.inputValue()).toBe('abc')

    await daily.fill('2')
    await caps.getByRole('button', { name: 'Add a project cap' }).click()
    const row = caps.getByRole('listitem', { name: 'Project cap 1' })
    await row.getByLabel('Project').fill('demo-project')
    await row.getByLabel('Cap in credits a day').fill('1')
    await caps.getByRole('button', { name: 'Save caps' }).click()
    await expect.poll(() => caps.getByRole('status').textContent()).toBe('Caps saved.')
    expect(await caps.getByRole('alert').count()).toBe(0)
    expect(await caps.getByLabel('Spent today').textContent()).toBe('0 of 2 credits spent today')
    expect(await row.locator('.caps-today').textContent()).toBe('0 of 1 credit spent today')

    // Model calls for the project: the first fits (it may cost up to 0.8, costs 0.6), the second would pass the project's cap.
    const ask = () =>
      page.evaluate(async () => {
        const res = await fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'coder-project': 'demo-project' }, body: JSON.stringify({ model: 'e2e-model', max_tokens: 100000, messages: [{ role: 'user', content: 'hello' }] }) })
        return { status: res.status, refusal: res.headers.get('coder-refusal'), body: (await res.json()) as { choices?: Array<{ message: { content: string } }>; error?: { message: string } } }
      })
    expect((await ask()).body.choices?.[0]?.message.content).toBe('Hello!')
    const refused = await ask()
    expect(refused).toMatchObject({ status: 402, refusal: 'cap' })
    expect(refused.body.error?.message).toBe('The daily spending cap of 1 credit for the project "demo-project" is reached: 0.6000 spent or held today, this call may cost up to 0.8000. Raise the project\'s cap on the Credits page, or wait until 00:00 UTC.')
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click()
        return [await caps.getByLabel('Spent today').textContent(), await row.locator('.caps-today').textContent()]
      }, { timeout: 30_000 })
      .toEqual(['0.6 of 2 credits spent today', '0.6 of 1 credit spent today'])

    // The caps are kept at the edge: a reload shows them.
    await page.reload()
    await expect.poll(() => caps.getByLabel('Daily cap, all projects').inputValue(), { timeout: 30_000 }).toBe('2')
    expect(await row.getByLabel('Project').inputValue()).toBe('demo-project')
    expect(await row.getByLabel('Cap in credits a day').inputValue()).toBe('1')

    // A save the edge refuses (the session ended meanwhile) says why and loses nothing typed.
    await context.clearCookies()
    await daily.fill('3')
    await row.getByLabel('Cap in credits a day').fill('1.5')
    await caps.getByRole('button', { name: 'Save caps' }).click()
    await expect.poll(() => caps.getByRole('alert').textContent()).toBe('The caps were not saved: Sign in first: this needs an account')
    expect([await daily.inputValue(), await row.getByLabel('Project').inputValue(), await row.getByLabel('Cap in credits a day').inputValue()]).toEqual(['3', 'demo-project', '1.5'])
    await context.close()
  })
})
