import { checkDecision, type RiskDecision, type RiskInput } from './risk-decision.js'

export interface HttpEngineOptions {
  url: string
  /** Sent with every call, e.g. the engine's API key (never shown to buyers). */
  headers?: Record<string, string>
  /** Bound on one call, connection to last byte (default 2000 ms). */
  timeoutMs?: number
  /** Largest answer read (default 16 KiB); a larger one is an error. */
  maxResponseBytes?: number
  fetch?: typeof fetch
}

export const DEFAULT_ENGINE_TIMEOUT_MS = 2_000
const DEFAULT_MAX_RESPONSE = 16 * 1024

/**
 * A risk engine over HTTP: POST the input as JSON, expect 200 with a decision as JSON. Anything
 * else (a timeout, a redirect, another status, an oversized or malformed answer) throws, so the
 * hook fails closed. Errors name the status, never the URL (it may carry a key).
 */
export function httpEngine(options: HttpEngineOptions): (input: RiskInput) => Promise<RiskDecision> {
  const url = new URL(options.url)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('tollgate: riskEngine url must be http(s)')
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE
  const fetchImpl = options.fetch ?? fetch
  const headers = { ...options.headers, 'content-type': 'application/json', accept: 'application/json' }
  return async (input) => {
    const signal = AbortSignal.timeout(timeoutMs)
    let response: Response
    try {
      response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(input), signal, redirect: 'manual' })
    } catch (error) {
      throw new Error(signal.aborted ? `risk engine timed out after ${timeoutMs} ms` : `risk engine unreachable: ${(error as Error).name}`)
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {})
      throw new Error(`risk engine answered HTTP ${response.status}`)
    }
    const text = await readBounded(response, maxBytes, signal, timeoutMs)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new Error('risk engine answered malformed JSON')
    }
    return checkDecision(body)
  }
}

async function readBounded(response: Response, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new Error(`risk engine answer larger than ${maxBytes} bytes`)
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw new Error(`risk engine answer larger than ${maxBytes} bytes`)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`risk engine timed out after ${timeoutMs} ms`)
    throw error
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    all.set(chunk, at)
    at += chunk.byteLength
  }
  return new TextDecoder().decode(all)
}
