import { ConfigurationError } from '../errors/tollgate-error.js'
import type { SettleResponse } from '../protocol/wire-types.js'
import { facilitatorEndpoint } from './facilitator-endpoint.js'
import { callFacilitator, MAX_ANSWER_BYTES, type CallOutcome } from './http-call.js'
import {
  settleResponseSchema,
  supportedResponseSchema,
  verifyResponseSchema,
  type FacilitatorRequest,
  type SupportedResponse,
  type VerifyResponse,
} from './facilitator-wire.js'

export type FacilitatorPath = 'verify' | 'settle' | 'supported'

/** What a header hook is told about the request it signs (CDP's JWTs cover method, host and path). */
export interface FacilitatorCall {
  path: FacilitatorPath
  method: 'GET' | 'POST'
  /** The absolute URL about to be requested. */
  url: string
  /** The JSON body, for POST. */
  body?: string
}

export type FacilitatorHeaders = Record<string, string> | ((call: FacilitatorCall) => Record<string, string> | Promise<Record<string, string>>)

export interface HttpFacilitatorOptions {
  /**
   * Base URL; `/verify`, `/settle` and `/supported` are appended to its path, its query kept
   * (e.g. 'https://x402.org/facilitator'). Userinfo (`https://user:pass@…`) is sent as Basic auth.
   * Logs and failure details only ever show its scheme, host and port.
   */
  url: string
  /**
   * Extra headers, or a hook called before every request (per-request auth such as a CDP JWT).
   * They go to the base URL's origin only: a redirect to another origin is followed without them.
   */
  headers?: FacilitatorHeaders
  /** Bound on each `/supported` and `/verify` attempt (default 10 s). */
  timeoutMs?: number
  /** Further attempts of `/supported` and `/verify` after one that got no usable answer (default 1). `/settle` is never retried. */
  retries?: number
  /** Bound on `/settle`, which waits for the chain (default 60 s). Past it the outcome is unknown, not failed. */
  settleTimeoutMs?: number
  /** How long an answer of `/supported` is reused (default 10 min). Failures are not cached. */
  supportedTtlMs?: number
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
}

export type FacilitatorReply<T> = { ok: true; value: T } | { ok: false; detail: string }

export type SettleReply =
  /** The facilitator answered with a SettleResponse (successful or not). */
  | { kind: 'answer'; response: SettleResponse }
  /** The request never reached the facilitator, or it refused it before doing anything (4xx without a verdict). */
  | { kind: 'refused'; detail: string }
  /** It may have settled: no answer in time, a lost connection (503), or an error/unreadable answer (502). */
  | { kind: 'unknown'; status: 502 | 503; detail: string }

/**
 * A remote x402 facilitator. Every method resolves; failures are values, never throws. Failure
 * details are for the seller's log: they name the facilitator by origin only, and quote its
 * answers scrubbed of the base URL's secrets and the request's header values.
 */
export interface FacilitatorClient {
  /** The facilitator's scheme, host and port (`https://f.example/…`), for logs: never its path, query or credentials. */
  readonly url: string
  supported(): Promise<FacilitatorReply<SupportedResponse>>
  verify(request: FacilitatorRequest): Promise<FacilitatorReply<VerifyResponse>>
  settle(request: FacilitatorRequest): Promise<SettleReply>
}

const RETRY_DELAY_MS = 100

/** A client for a facilitator's HTTP API (the public testnet one, Coinbase CDP, or your own). */
export function httpFacilitator(options: HttpFacilitatorOptions): FacilitatorClient {
  const problems = optionProblems(options)
  if (problems.length > 0) throw new ConfigurationError(problems)
  const endpoint = facilitatorEndpoint(options.url)
  const timeoutMs = options.timeoutMs ?? 10_000
  const retries = options.retries ?? 1
  const settleTimeoutMs = options.settleTimeoutMs ?? 60_000
  const supportedTtlMs = options.supportedTtlMs ?? 600_000
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init))
  let cached: { at: number; value: SupportedResponse } | undefined
  let inFlight: Promise<FacilitatorReply<SupportedResponse>> | undefined

  /**
   * One exchange. Failure details are scrubbed here; `scrub` is handed on for quoting the answer,
   * bound to every header value this call sent (a hook's JWT included).
   */
  const call = async (path: FacilitatorPath, body: string | undefined, bound: number): Promise<Exchange> => {
    const method = body === undefined ? 'GET' : 'POST'
    const sent: string[] = []
    const scrub = (text: string) => endpoint.scrub(text, sent)
    const credentials = async (url: string) => {
      const given = typeof options.headers === 'function' ? await options.headers({ path, method, url, ...(body === undefined ? {} : { body }) }) : (options.headers ?? {})
      const ownAuthorization = Object.keys(given).some((name) => name.toLowerCase() === 'authorization')
      const all = { ...(endpoint.basicAuth && !ownAuthorization ? { authorization: endpoint.basicAuth } : {}), ...given }
      sent.push(...Object.values(all).map(String))
      return all
    }
    const headers = { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) }
    const outcome = await callFacilitator(fetchImpl, { method, url: endpoint.url(path), headers, credentials, ...(body === undefined ? {} : { body }) }, bound)
    return { outcome: outcome.kind === 'response' ? outcome : { ...outcome, detail: scrub(outcome.detail) }, scrub }
  }

  /** What a log may say of an answer that was no usable one: its status and a scrubbed, bounded excerpt. */
  const unusable = (path: FacilitatorPath, { outcome, scrub }: Exchange & { outcome: Answered }) =>
    `${endpoint.logName} /${path} answered ${outcome.status}${outcome.oversized ? ` with more than ${MAX_ANSWER_BYTES} bytes` : ` without a usable body: ${excerpt(scrub(outcome.text))}`}`

  /** Reads an answer with bounded retries; `read` picks what counts as an answer (a non-2xx verdict included). */
  const withRetries = async <T>(path: FacilitatorPath, body: string | undefined, read: (status: number, json: unknown, scrub: (text: string) => string) => T | undefined) => {
    let detail = ''
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt))
      const exchange = await call(path, body, timeoutMs)
      const { outcome } = exchange
      if (outcome.kind !== 'response') {
        detail = outcome.detail
        continue
      }
      const value = read(outcome.status, parseJson(outcome.text), exchange.scrub)
      if (value !== undefined) return { ok: true as const, value }
      detail = unusable(path, { ...exchange, outcome })
    }
    return { ok: false as const, detail }
  }

  return {
    url: endpoint.logName,
    supported() {
      if (cached && Date.now() - cached.at < supportedTtlMs) return Promise.resolve({ ok: true, value: cached.value })
      inFlight ??= withRetries('supported', undefined, (status, json) => {
        const parsed = status >= 200 && status < 300 ? supportedResponseSchema.safeParse(json) : undefined
        return parsed?.success ? parsed.data : undefined
      }).then((reply) => {
        inFlight = undefined
        if (reply.ok) cached = { at: Date.now(), value: reply.value }
        return reply
      })
      return inFlight
    },
    verify(request) {
      // Like the official client: a non-2xx answer carrying `isValid` is a verdict, not an outage.
      return withRetries('verify', JSON.stringify(request), (status, json, scrub) => {
        const parsed = verifyResponseSchema.safeParse(json)
        if (!parsed.success || !(status < 300 || (status >= 400 && status < 500))) return undefined
        const { invalidMessage, ...verdict } = parsed.data
        // The facilitator's free text is for the seller's log, quoted like any answer: scrubbed and bounded.
        return invalidMessage === undefined ? verdict : { ...verdict, invalidMessage: quote(invalidMessage, scrub) }
      })
    },
    async settle(request) {
      const exchange = await call('settle', JSON.stringify(request), settleTimeoutMs)
      const { outcome, scrub } = exchange
      if (outcome.kind === 'not-connected') return { kind: 'refused', detail: outcome.detail }
      if (outcome.kind === 'lost') return { kind: 'unknown', status: 503, detail: outcome.detail }
      if (outcome.kind === 'redirected') {
        // A 307/308 says "not done here, repeat it there": nothing was settled. A 301/302/303 after a
        // POST may follow work done (post-redirect-get), so what it did is unknown.
        return outcome.status === 307 || outcome.status === 308 ? { kind: 'refused', detail: outcome.detail } : { kind: 'unknown', status: 502, detail: outcome.detail }
      }
      const parsed = settleResponseSchema.safeParse(parseJson(outcome.text))
      if (parsed.success) {
        const { errorMessage, ...response } = parsed.data
        return { kind: 'answer', response: (errorMessage === undefined ? response : { ...response, errorMessage: quote(errorMessage, scrub) }) as SettleResponse }
      }
      const detail = unusable('settle', { ...exchange, outcome })
      // A 4xx without a SettleResponse is a refusal before any work (auth, rate limit, bad request).
      if (outcome.status >= 400 && outcome.status < 500) return { kind: 'refused', detail }
      return { kind: 'unknown', status: 502, detail }
    },
  }
}

type Answered = Extract<CallOutcome, { kind: 'response' }>
interface Exchange {
  outcome: CallOutcome
  scrub(text: string): string
}

function optionProblems(options: HttpFacilitatorOptions): string[] {
  const problems: string[] = []
  if (!options || typeof options.url !== 'string' || !/^https?:\/\//.test(options.url) || !URL.canParse(options.url)) {
    problems.push(`httpFacilitator: url ${JSON.stringify(options?.url)} is not an http(s) URL`)
  }
  for (const name of ['timeoutMs', 'settleTimeoutMs', 'supportedTtlMs'] as const) {
    const value = options?.[name]
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) problems.push(`httpFacilitator: ${name} must be a positive integer`)
  }
  const retries = options?.retries
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 5)) problems.push('httpFacilitator: retries must be an integer from 0 to 5')
  const headers = options?.headers
  if (headers !== undefined && typeof headers !== 'function' && (typeof headers !== 'object' || headers === null)) {
    problems.push('httpFacilitator: headers must be an object or a function')
  }
  return problems
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function quote(text: string, scrub: (text: string) => string): string {
  return text === '' ? '' : excerpt(scrub(text))
}

function excerpt(text: string): string {
  const compact = text.trim().replace(/\s+/g, ' ')
  if (!compact) return '<empty>'
  return compact.length <= 200 ? compact : `${compact.slice(0, 197)}...`
}
