/** The outcome of one HTTP exchange with a facilitator, classified by what it says about the request. */
export type CallOutcome =
  | { kind: 'response'; status: number; text: string }
  /** The connection was never made: the request did not leave this process. */
  | { kind: 'not-connected'; detail: string }
  /** The request may have reached the facilitator, but no whole answer came back (timeout, connection lost). */
  | { kind: 'lost'; timedOut: boolean; detail: string }

/** Error codes that mean no connection was established, so nothing was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
/** Bound on an answer's size: a facilitator answer is a few hundred bytes; anything huge is not one. */
const MAX_ANSWER_BYTES = 256 * 1024

/**
 * One request, bounded by `timeoutMs` from the first byte sent to the last byte read. Never
 * throws: every failure is an outcome, so callers decide what each means for money.
 */
export async function callFacilitator(fetchImpl: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<CallOutcome> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    // Redirects are followed as the official client does: a redirect is answered before any work is done.
    const response = await fetchImpl(url, { ...init, signal, redirect: 'follow' })
    const text = await readBounded(response)
    return { kind: 'response', status: response.status, text }
  } catch (error) {
    if (signal.aborted) return { kind: 'lost', timedOut: true, detail: `no answer from ${url} within ${timeoutMs} ms` }
    const code = errorCode(error)
    const detail = `${url}: ${describe(error)}${code ? ` (${code})` : ''}`
    if (code && NOT_CONNECTED.has(code)) return { kind: 'not-connected', detail }
    // fetch refuses to build a request (a bad header from a hook) with a TypeError and no network cause.
    if (!code && error instanceof TypeError && (error as { cause?: unknown }).cause === undefined) return { kind: 'not-connected', detail }
    return { kind: 'lost', timedOut: false, detail }
  }
}

async function readBounded(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => undefined)
    return ''
  }
  const text = await response.text()
  return text.length > MAX_ANSWER_BYTES ? '' : text
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
