import type { Price } from '../../../money/parse-amount.js'
import type { MethodSpec } from '../exact/evm-exact.js'
import type { EvmExactOptions } from '../exact/evm-terms.js'
import { Permit2Method } from '../permit2/permit2-method.js'

export interface EvmUptoOptions extends Omit<EvmExactOptions, 'amount'> {
  /** The most one request may cost: what the buyer signs for. Defaults to the gate's price. */
  max?: Price
}

/**
 * x402 `upto` on an EVM chain: the buyer signs a Permit2 transfer of at most `max` that only the
 * seller's settling account may execute; the handler sets the charge and it settles afterwards.
 */
export function evmUpto(options: EvmUptoOptions): MethodSpec {
  const { max, ...rest } = options
  return { build: (context) => new Permit2Method({ ...rest, ...(max !== undefined ? { amount: max } : {}) }, context, 'upto') }
}
