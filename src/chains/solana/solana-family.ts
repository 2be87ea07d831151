/**
 * The one thing the chain-neutral core knows about Solana: an object from `tollgate/solana` that
 * builds Solana payment methods. The core imports this file for types only, so a seller who never
 * configures Solana never loads a Solana package.
 */
import type { Logger } from '../../logger.js'
import type { PaymentMethod } from '../../methods/payment-method.js'
import type { SolanaExactSpec } from './solana-terms.js'

export interface SolanaFamily {
  readonly family: 'solana'
  /** Builds the method of one Solana accept option; throws a ConfigurationError listing its problems. */
  exact(spec: SolanaExactSpec, context: { logger: Logger }): PaymentMethod
}

/** Whether a configured value is a Solana family object (solanaSettler, solanaFacilitator). */
export function isSolanaFamily(value: unknown): value is SolanaFamily {
  return typeof value === 'object' && value !== null && (value as { family?: unknown }).family === 'solana' && typeof (value as { exact?: unknown }).exact === 'function'
}
