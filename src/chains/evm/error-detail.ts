import { redactUrls } from '../../errors/redact.js'

/**
 * A short account of an error for the seller's log: never the endpoint's URL (API keys live in it).
 * viem's errors are read by their shape (`details`, `shortMessage`), so that code reading a chain
 * through a lazily imported viem can report its errors without importing it.
 */
export function errorDetail(error: unknown): string {
  const viemLike = error instanceof Error && typeof (error as { shortMessage?: unknown }).shortMessage === 'string'
  const text = viemLike ? (error as { details?: string }).details || (error as unknown as { shortMessage: string }).shortMessage : error instanceof Error ? error.message : String(error)
  return redactUrls(text)
}
