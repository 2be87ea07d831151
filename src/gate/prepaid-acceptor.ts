import type { ReasonCode } from '../errors/reasons.js'
import type { GateEvents } from '../hooks/gate-events.js'
import type { HttpAnswer, PaymentDecision } from './decision.js'

/** Fields a challenge carries beyond the requirements, so buyers can discover other ways to pay. */
export interface ChallengeExtras {
  /** Merged into the v2 PaymentRequired `extensions`. */
  extensions?: Record<string, unknown>
  /** Extra top-level fields of the v1 body (the v1 client ignores unknown fields). */
  v1?: Record<string, unknown>
}

/**
 * What a route accepts of prepaid credentials: `cost` calls are taken per request (default 1), and
 * only credentials bought for one of `packages` are taken (default: every package). A credential
 * counts calls, not money, so a route worth fifty cheap calls says `cost: 50`.
 */
export interface PrepaidScope {
  cost: number
  packages?: readonly string[]
}

export const DEFAULT_PREPAID_SCOPE: Readonly<PrepaidScope> = Object.freeze({ cost: 1 })

type Challenge = (status: number, reason: ReasonCode, detail?: string) => HttpAnswer

/**
 * What a gate needs to accept prepaid credentials besides x402 payments. The engine depends on
 * this shape only, so prepaid (which builds gates of its own for purchases) stays above it.
 */
export interface PrepaidAcceptor {
  /** The request header carrying a credential. */
  readonly header: string
  /** Where to buy, for challenges; with a scope, also what a call costs on the route and which packages it takes. */
  discovery(requestUrl: string, scope?: PrepaidScope): ChallengeExtras
  /**
   * Spends `scope.cost` calls (default 1) of a credential, if its package is one the scope accepts.
   * `events` is the route's hooks sink (spent / exhausted); without it the plan's own hooks hear them.
   */
  spend(credential: string, challenge: Challenge, scope?: PrepaidScope, events?: GateEvents): Promise<PaymentDecision>
}

/** The acceptor one route hands its gate: every spend and challenge carries that route's scope. */
export function scopedAcceptor(acceptor: PrepaidAcceptor, scope: PrepaidScope): PrepaidAcceptor {
  return {
    header: acceptor.header,
    discovery: (requestUrl) => acceptor.discovery(requestUrl, scope),
    spend: (credential, challenge, _scope, events) => acceptor.spend(credential, challenge, scope, events),
  }
}
