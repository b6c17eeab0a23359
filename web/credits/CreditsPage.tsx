import { For, Show, createResource, createSignal, onCleanup } from 'solid-js'
import type { Account } from '../account/account'
import { BarChart, dailySeries } from './Charts'
import { credits, formatCredits, formatPrice, type CheckoutStatus } from './credits'
import { SpendingCaps } from './SpendingCaps'

const KIND_LABELS: Record<string, string> = { purchase: 'Bought', grant: 'Granted', refund: 'Refunded', hold: 'Reserved', capture: 'Spent', release: 'Returned', settle: 'Spent' }

/**
 * Credits and usage: the balance, credit packs to buy through Stripe Checkout, the spending caps,
 * what was spent per day (last 30 days), per model, per project and per run, and the history of
 * purchases and charges.
 * After paying, Stripe sends the user back here with `session_id`: the page waits for the credits.
 */
export function CreditsPage(props: { account: Account; sessionId: string | null }) {
  const signedIn = () => props.account.state().status === 'signed-in'
  const [balance, { refetch: refetchBalance }] = createResource(signedIn, () => credits.balance())
  const [packs] = createResource(() => credits.packs().catch(() => []))
  const [usage, { refetch: refetchUsage }] = createResource(signedIn, () => credits.usage(30))
  const [entries, { refetch: refetchEntries }] = createResource(signedIn, () => credits.entries())
  const [caps, { refetch: refetchCaps, mutate: setCaps }] = createResource(signedIn, () => credits.caps())
  const [error, setError] = createSignal<string | null>(null)
  const [buying, setBuying] = createSignal<string | null>(null)
  const [checkout, setCheckout] = createSignal<CheckoutStatus | null>(null)

  async function buy(pack: string) {
    setError(null)
    setBuying(pack)
    try {
      location.assign((await credits.checkout(pack)).url)
    } catch (e) {
      setError((e as Error).message)
      setBuying(null)
    }
  }

  // Back from Checkout: ask until the webhook (or the lookup) has credited the purchase.
  if (props.sessionId) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (attempt: number) => {
      try {
        const status = await credits.checkoutStatus(props.sessionId!)
        setCheckout(status)
        if (status.credited) {
          void refetchBalance()
          void refetchEntries()
          return
        }
      } catch (e) {
        if (attempt > 3) return setError((e as Error).message)
      }
      if (attempt < 30) timer = setTimeout(() => void poll(attempt + 1), 1000)
    }
    void poll(0)
    onCleanup(() => clearTimeout(timer))
  }

  return (
    <main class="credits-page">
      <h1>Credits and usage</h1>
      <Show when={signedIn()} fallback={<p>Sign in to buy credits and see what your agents and model calls cost.</p>}>
        <Show when={props.sessionId}>
          <p role="status" class="checkout-status">
            {checkout()?.credited ? `Payment received: ${checkout()!.credits} credits were added.` : 'Waiting for the payment to be confirmed…'}
          </p>
        </Show>
        <section class="balance" aria-label="Balance">
          <strong>{balance() ? formatCredits(balance()!.availableMicros) : '…'}</strong> credits available
          <Show when={balance()?.heldMicros}> · {formatCredits(balance()!.heldMicros)} reserved by running calls</Show>
          <Show when={balance()}> · {formatCredits(balance()!.spentMicros)} spent in all</Show>
          <button type="button" class="small" onClick={() => (void refetchBalance(), void refetchUsage(), void refetchEntries(), void refetchCaps())}>Refresh</button>
        </section>
        <section class="packs" aria-label="Buy credits">
          <h2>Buy credits</h2>
          <Show when={packs()?.length} fallback={<p class="hint">This server sells no credit packs.</p>}>
            <For each={packs()}>
              {(p) => (
                <button type="button" class="pack" disabled={buying() !== null} onClick={() => void buy(p.id)}>
                  {p.name} · {formatPrice(p)}
                  <Show when={buying() === p.id}> (opening checkout…)</Show>
                </button>
              )}
            </For>
          </Show>
        </section>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
        <Show when={caps.error}>
          <p class="error" role="alert">Could not load the spending caps: {(caps.error as Error).message}</p>
        </Show>
        <Show when={caps.error ? undefined : caps()}>{(status) => <SpendingCaps status={status()} onSaved={(saved) => setCaps(saved)} />}</Show>
        <section class="usage" aria-label="Usage">
          <h2>Usage, last 30 days</h2>
          <Show when={usage()}>
            {(u) => (
              <>
                <p>{formatCredits(u().totalMicros)} credits spent.</p>
                <BarChart label="Credits per day" vertical bars={dailySeries(u().byDay, 30)} />
                <BarChart label="By model" bars={u().byModel.map((m) => ({ label: m.model ?? '(none)', micros: m.spentMicros }))} />
                <BarChart label="By project" bars={u().byProject.map((m) => ({ label: m.project ?? '(none)', micros: m.spentMicros }))} />
                <BarChart label="By run" bars={u().byRun.map((m) => ({ label: m.runId ?? '(outside runs)', micros: m.spentMicros, href: m.runId ? `/runs/${encodeURIComponent(m.runId)}` : undefined }))} />
              </>
            )}
          </Show>
        </section>
        <section class="history" aria-label="History">
          <h2>History</h2>
          <table>
            <tbody>
              <For each={(entries() ?? []).filter((t) => t.kind !== 'hold' && t.kind !== 'release' && !(t.kind === 'settle' && t.amountMicros === 0))}>
                {(t) => (
                  <tr>
                    <td>{new Date(t.createdAt).toLocaleString()}</td>
                    <td>{KIND_LABELS[t.kind] ?? t.kind}</td>
                    <td class="amount">{t.kind === 'capture' || t.kind === 'settle' || t.kind === 'refund' ? '−' : '+'}{formatCredits(t.amountMicros)}</td>
                    <td>{t.memo ?? ''}{t.meta.project ? ` · ${t.meta.project}` : ''}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
      </Show>
    </main>
  )
}
