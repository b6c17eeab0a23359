// The few web-standard globals shared/ relies on. They exist in every runtime Coder targets
// (browsers, workers, workerd, Node), but shared/ compiles with no DOM/Node lib on purpose.
interface AbortSignal {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
  throwIfAborted(): void
}
interface AbortController {
  readonly signal: AbortSignal
  abort(reason?: unknown): void
}
declare var AbortController: { prototype: AbortController; new (): AbortController }
declare function setTimeout(callback: () => void, ms?: number): number
declare function clearTimeout(id: number | undefined): void
interface URL {
  href: string
  protocol: string
  host: string
  hostname: string
  pathname: string
  search: string
}
declare var URL: { prototype: URL; new (url: string, base?: string): URL }
interface URLSearchParams {
  get(name: string): string | null
}
declare var URLSearchParams: { prototype: URLSearchParams; new (init?: string): URLSearchParams }
interface RequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array<ArrayBuffer>
  signal?: AbortSignal
}
interface Response {
  readonly ok: boolean
  readonly status: number
  readonly statusText: string
  text(): Promise<string>
  json(): Promise<unknown>
  clone(): Response
}
declare var crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> } }
