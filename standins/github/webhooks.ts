/**
 * Webhook deliveries out of the GitHub stand-in: JSON POSTs with GitHub's headers, signed with each
 * target's secret (`X-Hub-Signature-256`), each attempt kept in the state's delivery log.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { sign } from '@octokit/webhooks-methods'
import type { Delivery, GitHubState, Repo } from './state.ts'

/** Sends webhook events to every configured target and keeps track of deliveries in flight. */
export class WebhookSender {
  readonly #state: GitHubState
  readonly #pending = new Set<Promise<void>>()

  constructor(state: GitHubState) {
    this.#state = state
  }

  /**
   * Delivers `event` (e.g. `pull_request`) with `payload` to every target that wants it, in the
   * background; never throws: a failed delivery is logged with its status or error.
   */
  send(event: string, repo: Repo, payload: Record<string, unknown>): void {
    for (const target of this.#state.webhooks) {
      if (target.events && !target.events.includes(event) && !target.events.includes('*')) continue
      const delivery = this.#deliver(target.url, target.secret, event, repo, payload)
      this.#pending.add(delivery)
      void delivery.finally(() => this.#pending.delete(delivery))
    }
  }

  /** Resolves once every delivery started so far has finished (delivered or failed). */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending])
  }

  async #deliver(url: string, secret: string, event: string, repo: Repo, payload: Record<string, unknown>): Promise<void> {
    const guid = randomUUID()
    const body = JSON.stringify(payload)
    const started = Date.now()
    const entry: Delivery = {
      guid,
      url,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
      status: null,
      error: null,
      deliveredAt: new Date(started).toISOString(),
      durationMs: 0,
      payload,
    }
    this.#state.deliveries.push(entry)
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'GitHub-Hookshot/standin',
          'X-GitHub-Event': event,
          'X-GitHub-Delivery': guid,
          'X-GitHub-Hook-ID': String(repo.id),
          'X-GitHub-Hook-Installation-Target-Type': 'repository',
          'X-GitHub-Hook-Installation-Target-ID': String(repo.id),
          'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
          'X-Hub-Signature-256': await sign(secret, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      })
      entry.status = response.status
      await response.body?.cancel()
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error)
    } finally {
      entry.durationMs = Date.now() - started
    }
  }
}
