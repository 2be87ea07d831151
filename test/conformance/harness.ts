import type { PaywallOptions, TollgateConfig, VerifiedPayment } from '../../src/index.js'

/**
 * One seller, described without a framework, so the same cases run against every adapter.
 * Each adapter's harness acts the routes out in its framework's own idiom.
 */

/** The content every paid handler answers with: a test asserts it never leaks unpaid. */
export const PAID_CONTENT = 'PAID CONTENT'

/** What a protected handler does. */
export type Behavior =
  /** 200 JSON `{ content: PAID_CONTENT, payer, transaction }`, with header `x-handler: yes`. */
  | { kind: 'json' }
  /** Answers `status` with JSON `{ error: 'HANDLER ERROR' }`. */
  | { kind: 'status'; status: number }
  /** Throws `new Error('boom')` (async), leaving the answer to the framework's error handling. */
  | { kind: 'throw' }
  /** 200 text/plain streamed chunk by chunk (a macrotask between chunks), header `x-handler: yes`. */
  | { kind: 'stream'; chunks: string[] }

export interface RouteSpec {
  /** A GET route; the harness also lets OPTIONS (CORS preflight) reach the paywall. */
  path: string
  paywall: PaywallOptions
  behavior: Behavior
  /** Runs inside the handler, after the paywall let the request in and before the handler answers. */
  before?: (payment: VerifiedPayment) => Promise<void>
}

export interface SellerUnderTest {
  /** Requests an absolute URL from `urlOf`: over real HTTP, or by calling the handler with a real Request. */
  fetch: typeof fetch
  /** The absolute URL the seller sees for `path` (the challenge's `resource`). */
  urlOf(path: string): string
  close(): Promise<void>
}

export interface AdapterHarness {
  name: string
  start(config: TollgateConfig, routes: RouteSpec[]): Promise<SellerUnderTest>
}

/** The JSON a `json` route answers with, for harnesses to share. */
export function paidBody(payment: VerifiedPayment | undefined) {
  return { content: PAID_CONTENT, payer: payment?.payer ?? null, transaction: payment?.transaction ?? null }
}

/** Yields to the event loop between streamed chunks, so a streaming handler really streams. */
export const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))
