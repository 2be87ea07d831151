import { redactUrl } from '../errors/redact.js'
import { readBoundedBytes } from '../http/read-body.js'

/** The outcome of one HTTP exchange with a facilitator, classified by what it says about the request. */
export type CallOutcome =
  /** `oversized`: the answer passed MAX_ANSWER_BYTES; reading stopped there and `text` is empty. */
  | { kind: 'response'; status: number; text: string; oversized: boolean }
  /** The connection was never made: the request did not leave this process. */
  | { kind: 'not-connected'; detail: string }
  /** The request may have reached the facilitator, but no whole answer came back (timeout, connection lost). */
  | { kind: 'lost'; timedOut: boolean; detail: string }
  /** The facilitator answered with a redirect this client does not follow: it did no work. */
  | { kind: 'redirected'; status: number; detail: string }

export interface FacilitatorHttpRequest {
  method: 'GET' | 'POST'
  url: string
  body?: string
  /** Sent on every hop (accept, content-type). */
  headers: Record<string, string>
  /**
   * The seller's own headers (API keys, JWTs) for a URL: asked again for each hop on the base URL's
   * origin, so a JWT covering the path stays right, and never for another origin.
   */
  credentials(url: string): Record<string, string> | Promise<Record<string, string>>
}

/** Error codes that mean no connection was established, so nothing was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
/** Bound on an answer's size: a facilitator answer is a few hundred bytes; anything huge is not one. */
export const MAX_ANSWER_BYTES = 256 * 1024
/** Redirects followed per call; a facilitator needs one at most (a moved host, a trailing slash). */
export const MAX_REDIRECTS = 3
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Redirects that keep the method and body; the others turn a POST into a GET, which is no facilitator call. */
const KEEPS_METHOD = new Set([307, 308])

/**
 * One request, bounded by `timeoutMs` from the first byte sent to the last byte read, redirects
 * included. Never throws: every failure is an outcome, so callers decide what each means for money.
 *
 * Redirects are followed here rather than by fetch, which would carry every custom header (an API
 * key in `x-api-key`) to wherever a redirect points. On the base URL's origin a hop gets the
 * seller's headers again; a hop to another origin is followed, as the official client does (a
 * public facilitator moving hosts keeps working), but without them, and never from https to http.
 */
export async function callFacilitator(fetchImpl: typeof fetch, request: FacilitatorHttpRequest, timeoutMs: number): Promise<CallOutcome> {
  const signal = AbortSignal.timeout(timeoutMs)
  const origin = new URL(request.url).origin
  let url = request.url
  let ownOrigin = true
  for (let hop = 0; ; hop++) {
    let headers: Headers
    try {
      headers = new Headers(request.headers)
      if (ownOrigin) for (const [name, value] of Object.entries(await request.credentials(url))) headers.set(name, value)
    } catch (error) {
      // A throwing hook or a header fetch cannot send: nothing left this process.
      return { kind: 'not-connected', detail: `headers for ${redactUrl(url)} could not be made: ${describe(error)}` }
    }
    let response: Response
    try {
      response = await fetchImpl(url, { method: request.method, headers, signal, redirect: 'manual', ...(request.body === undefined ? {} : { body: request.body }) })
    } catch (error) {
      return failure(error, signal, url, timeoutMs)
    }
    if (!REDIRECTS.has(response.status)) {
      try {
        const read = await readBounded(response)
        return { kind: 'response', status: response.status, ...read }
      } catch (error) {
        return failure(error, signal, url, timeoutMs)
      }
    }
    await response.body?.cancel().catch(() => undefined)
    const next = nextHop(url, response, request.method, hop)
    if (typeof next !== 'string') return { kind: 'redirected', status: response.status, detail: next.refused }
    ownOrigin &&= new URL(next).origin === origin
    url = next
  }
}

/** Where a redirect leads, or why it is not followed. */
function nextHop(from: string, response: Response, method: 'GET' | 'POST', hop: number): string | { refused: string } {
  const said = `${redactUrl(from)} answered ${response.status}`
  if (hop >= MAX_REDIRECTS) return { refused: `${said}: more than ${MAX_REDIRECTS} redirects` }
  if (method === 'POST' && !KEEPS_METHOD.has(response.status)) return { refused: `${said}: a POST redirected as a GET is not followed` }
  const location = response.headers.get('location')
  let target: URL
  try {
    target = new URL(location ?? '', from)
  } catch {
    return { refused: `${said} without a usable Location` }
  }
  if (!location || (target.protocol !== 'https:' && target.protocol !== 'http:')) return { refused: `${said} without a usable Location` }
  if (target.protocol === 'http:' && new URL(from).protocol === 'https:') return { refused: `${said}: a redirect from https to http is not followed` }
  if (target.username || target.password) return { refused: `${said}: a redirect to a URL with credentials is not followed` }
  target.hash = ''
  return target.href
}

function failure(error: unknown, signal: AbortSignal, url: string, timeoutMs: number): CallOutcome {
  if (signal.aborted) return { kind: 'lost', timedOut: true, detail: `no answer from ${redactUrl(url)} within ${timeoutMs} ms` }
  const code = errorCode(error)
  const detail = `${redactUrl(url)}: ${describe(error)}${code ? ` (${code})` : ''}`
  if (code && NOT_CONNECTED.has(code)) return { kind: 'not-connected', detail }
  // fetch refuses to build a request with a TypeError and no network cause: nothing was sent.
  if (!code && error instanceof TypeError && (error as { cause?: unknown }).cause === undefined) return { kind: 'not-connected', detail }
  return { kind: 'lost', timedOut: false, detail }
}

/**
 * The body as text, read with a byte count and abandoned past MAX_ANSWER_BYTES, declared or not:
 * a chunked answer has no length to check first, and must not be read whole to learn its size.
 */
async function readBounded(response: Response): Promise<{ text: string; oversized: boolean }> {
  const bytes = await readBoundedBytes(response, MAX_ANSWER_BYTES)
  return bytes === null ? { text: '', oversized: true } : { text: new TextDecoder().decode(bytes), oversized: false }
}

/** The first `code` along the cause chain (undici puts the socket error's code on `cause`). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause
  const message = error instanceof Error ? error.message : String(error)
  return cause instanceof Error && cause.message && cause.message !== message ? `${message}: ${cause.message}` : message
}
