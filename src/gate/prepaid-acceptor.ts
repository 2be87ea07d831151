import type { ReasonCode } from '../errors/reasons.js'
import type { HttpAnswer, PaymentDecision } from './decision.js'

/** Fields a challenge carries beyond the requirements, so buyers can discover other ways to pay. */
export interface ChallengeExtras {
  /** Merged into the v2 PaymentRequired `extensions`. */
  extensions?: Record<string, unknown>
  /** Extra top-level fields of the v1 body (the v1 client ignores unknown fields). */
  v1?: Record<string, unknown>
}

/**
 * What a gate needs to accept prepaid credentials besides x402 payments. The engine depends on
 * this shape only, so prepaid (which builds gates of its own for purchases) stays above it.
 */
export interface PrepaidAcceptor {
  /** The request header carrying a credential. */
  readonly header: string
  discovery(requestUrl: string): ChallengeExtras
  spend(credential: string, challenge: (status: number, reason: ReasonCode, detail?: string) => HttpAnswer): Promise<PaymentDecision>
}
