import { Reason, reasonMessages } from '../errors/reasons.js'
import type { Logger } from '../logger.js'
import type { AuthorizeEvent, AuthorizeVerdict, TollgateHooks } from './hook-types.js'

/** What the gate does with a payment after the `authorize` hooks: go on, or answer the denial. */
export type AuthorizeDecision =
  | { allow: true }
  | { allow: false; status: number; reason: string; message: string; /** Sent as `Retry-After` (whole seconds). */ retryAfterSeconds?: number }

export const ALLOW: Readonly<AuthorizeDecision> = Object.freeze({ allow: true })
export const DEFAULT_AUTHORIZE_TIMEOUT_MS = 5_000

const REASON = /^[a-z][a-z0-9_]{0,63}$/
const MAX_MESSAGE = 300
/** A day: a longer wait is a block, not a rate limit, and says nothing useful to a client. */
export const MAX_RETRY_AFTER_SECONDS = 86_400

const failed = (): AuthorizeDecision => ({ allow: false, status: 503, reason: Reason.authorizeFailed, message: reasonMessages.authorize_failed })

/**
 * Runs one `authorize` hook, bounded. Fails closed: a throw, a rejection, a timeout or anything
 * that is not a verdict refuses the payment with 503 `authorize_failed` (the seller's log says why).
 */
export async function runAuthorize(hooks: TollgateHooks, event: AuthorizeEvent, logger: Logger): Promise<AuthorizeDecision> {
  const timeoutMs = hooks.authorizeTimeoutMs ?? DEFAULT_AUTHORIZE_TIMEOUT_MS
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  let verdict: unknown
  try {
    // Called as a method, so a hooks object written as a class keeps its `this`.
    verdict = await Promise.race([Promise.resolve().then(() => hooks.authorize!(event)), timedOut])
  } catch (error) {
    logger.error?.('tollgate: authorize hook failed, refusing payment', { route: event.route, error: String(error) })
    return failed()
  } finally {
    clearTimeout(timer)
  }
  if (verdict === 'timeout') {
    logger.error?.('tollgate: authorize hook timed out, refusing payment', { route: event.route, timeoutMs })
    return failed()
  }
  return normalizeVerdict(verdict, event.route, logger)
}

/** A verdict as the gate answers it; an unusable field falls back to its default, still denying. */
export function normalizeVerdict(verdict: unknown, route: string, logger: Logger): AuthorizeDecision {
  if (verdict === true) return ALLOW
  if (verdict === false) return deny(undefined, undefined, undefined, undefined)
  if (typeof verdict === 'object' && verdict !== null && 'allow' in verdict) {
    const v = verdict as Exclude<AuthorizeVerdict, boolean>
    if (v.allow === true) return ALLOW
    if (v.allow === false) {
      const status = Number.isInteger(v.status) && (v.status as number) >= 400 && (v.status as number) <= 499 ? v.status : undefined
      const reason = typeof v.reason === 'string' && REASON.test(v.reason) ? v.reason : undefined
      const message = typeof v.message === 'string' && v.message.length > 0 ? v.message.slice(0, MAX_MESSAGE) : undefined
      // Not in the public verdict type yet (rate limits set it): read as unknown and checked like the rest.
      const wait = (v as { retryAfterSeconds?: unknown }).retryAfterSeconds
      const retryAfter = Number.isSafeInteger(wait) && (wait as number) >= 1 && (wait as number) <= MAX_RETRY_AFTER_SECONDS ? (wait as number) : undefined
      if ((v.status !== undefined && status === undefined) || (v.reason !== undefined && reason === undefined) || (wait !== undefined && retryAfter === undefined)) {
        logger.warn?.('tollgate: authorize denial has an unusable status, reason or retryAfterSeconds; using the defaults', {
          route,
          hint: `status must be a 4xx integer; reason lowercase letters, digits and _ (at most 64); retryAfterSeconds a whole number from 1 to ${MAX_RETRY_AFTER_SECONDS}`,
        })
      }
      return deny(status, reason, message, retryAfter)
    }
  }
  logger.error?.('tollgate: authorize hook returned no verdict, refusing payment', {
    route,
    hint: 'return true, false, { allow: true } or { allow: false, status, reason, message }',
  })
  return failed()
}

function deny(status: number | undefined, reason: string | undefined, message: string | undefined, retryAfterSeconds: number | undefined): AuthorizeDecision {
  return {
    allow: false,
    status: status ?? 403,
    reason: reason ?? Reason.paymentDenied,
    message: message ?? reasonMessages.payment_denied,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  }
}
