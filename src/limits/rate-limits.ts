import { ConfigurationError } from '../errors/tollgate-error.js'
import { DEFAULT_AUTHORIZE_TIMEOUT_MS } from '../hooks/authorize-verdict.js'
import type { AuthorizeEvent, TollgateHooks } from '../hooks/hook-types.js'
import { guardedLogger, silentLogger, type Logger } from '../logger.js'
import { boundedStore } from '../stores/bounded-store.js'
import type { Store } from '../stores/store.js'
import { cleanIp, type ClientIp } from './client-ip.js'
import { windowSlot, type RateWindow } from './fixed-window.js'
import { limitProblems } from './limits-options.js'

export interface RateLimitsOptions {
  /** Where the counters live: the gate's own store (a shared Redis makes the limits hold across instances). */
  store: Store
  /** Presented payments naming one payer (unverified: forged ones count too, which is the point). */
  perPayer?: RateWindow
  /** Presented payments from one client address, as `clientIp` reads it (e.g. `forwardedFor({ proxies: 1 })`). */
  perIp?: RateWindow & { clientIp: ClientIp }
  /** Presented payments to one route (its label), from everyone together. */
  perRoute?: RateWindow
  /** Prefix of the counters' keys (default 'tollgate:limits:'): give two limiters on one store different ones. */
  prefix?: string
  /** Bound on each store call (default 1000 ms); past it the payment is refused (503 authorize_failed). */
  storeTimeoutMs?: number
  logger?: Logger
  /** Milliseconds since the epoch (default Date.now): the windows follow it. */
  now?: () => number
}

export interface RateLimits {
  /** Give them to `tollgate({ hooks })` (every route) or to one route's `hooks`; with others, through `combineHooks`. */
  hooks: TollgateHooks
}

/** The denial a limit answers: 429 with `Retry-After`; the gate frees the payment's claim and charges nothing. */
export interface RateLimitedVerdict {
  allow: false
  status: 429
  reason: 'rate_limited'
  message: string
  retryAfterSeconds: number
}

export const DEFAULT_LIMITS_PREFIX = 'tollgate:limits:'
export const DEFAULT_LIMITS_STORE_TIMEOUT_MS = 1_000
/** Payments whose payer or address cannot be read share one counter: they are limited together, never not at all. */
const UNNAMED = '-'

interface Counter {
  name: 'ip' | 'payer' | 'route'
  scope: string
  window: RateWindow
  id(event: AuthorizeEvent): string
}

/**
 * Rate limits on presented payments, through the store's atomic `take`: an `authorize` hook, so
 * it runs after the payment's replay claim and before anything reads the chain, and a flood of
 * forged payments costs one store call each, no RPC. Over a limit: 429 `rate_limited` with
 * `Retry-After`, nothing charged. A store that fails refuses the payment (503), like the gate.
 */
export function rateLimits(options: RateLimitsOptions): RateLimits {
  const problems = limitProblems(options)
  if (problems.length > 0) throw new ConfigurationError(problems)
  const logger = guardedLogger(options.logger ?? silentLogger)
  const store = boundedStore(options.store, options.storeTimeoutMs ?? DEFAULT_LIMITS_STORE_TIMEOUT_MS, logger)
  const prefix = options.prefix ?? DEFAULT_LIMITS_PREFIX
  const now = options.now ?? Date.now
  // Narrowest first: a request one client's limit refuses does not use up the route's allowance for everyone.
  const counters: Counter[] = []
  const { perIp, perPayer, perRoute } = options
  if (perIp) counters.push({ name: 'ip', scope: 'from this address', window: perIp, id: (e) => cleanIp(perIp.clientIp(e.request)) ?? UNNAMED })
  if (perPayer) counters.push({ name: 'payer', scope: 'from this payer', window: perPayer, id: (e) => e.payment.payer?.toLowerCase() ?? UNNAMED })
  if (perRoute) counters.push({ name: 'route', scope: 'to this route', window: perRoute, id: (e) => e.route })

  const authorize = async (event: AuthorizeEvent): Promise<true | RateLimitedVerdict> => {
    const at = now()
    const taken: string[] = []
    try {
      for (const counter of counters) {
        const slot = windowSlot(counter.window, at)
        // The window's length is in the key too: two limits of different windows never share a counter.
        const key = `${prefix}${counter.name}:${counter.window.windowMs}:${slot.index}:${counter.id(event)}`
        if ((await store.take(key, counter.window.requests, counter.window.windowMs)) === null) {
          await giveBack(store, taken, logger)
          return limited(counter, slot.retryAfterSeconds)
        }
        taken.push(key)
      }
      return true
    } catch (error) {
      await giveBack(store, taken, logger)
      throw error
    }
  }
  // Each take, then the give-backs together, ends within the store bound: raise the hook's bound only when
  // that could outlast the default (combineHooks keeps the largest, so a larger one would widen others' too).
  const worstMs = (counters.length + 1) * (options.storeTimeoutMs ?? DEFAULT_LIMITS_STORE_TIMEOUT_MS) + 100
  return { hooks: worstMs > DEFAULT_AUTHORIZE_TIMEOUT_MS ? { authorize, authorizeTimeoutMs: worstMs } : { authorize } }
}

function limited(counter: Counter, retryAfterSeconds: number): RateLimitedVerdict {
  const { requests, windowMs } = counter.window
  return {
    allow: false,
    status: 429,
    reason: 'rate_limited',
    message: `Too many payments ${counter.scope}: at most ${requests} every ${windowMs / 1000} s. Retry in ${retryAfterSeconds} s.`,
    retryAfterSeconds,
  }
}

/** The units a refused request took from the wider counters go back: only requests that passed every limit count. */
async function giveBack(store: Store, keys: readonly string[], logger: Logger): Promise<void> {
  await Promise.all(
    keys.map((key) =>
      store.giveBack(key).catch((error: unknown) => {
        // Left taken, the unit only makes the limit stricter until its window ends: safe, so logged, not fatal.
        logger.warn?.('tollgate: rate limit could not give a unit back', { error: String(error) })
      }),
    ),
  )
}
