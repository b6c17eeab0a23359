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
    expect(await perDay.locator('rect.bar').count()).toBe(30)
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
})
