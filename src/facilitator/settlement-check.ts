import type { Address, Hex } from 'viem'
import type { EvmNetwork } from '../chains/evm/network/evm-network.js'

/** What the chain says about an authorization whose settlement outcome is not known. */
export type AuthorizationOutcome =
  | { state: 'settled'; transaction: Hex }
  /**
   * Its nonce is unused: nothing settled it (yet). When the check was given a transaction, also:
   * that transaction can no longer use it (it reverted, or it was dropped for good).
   */
  | { state: 'open' }
  /** The payer canceled it: it can never settle. */
  | { state: 'canceled' }
  | { state: 'unknown'; detail: string }

/**
 * Reads an EIP-3009 authorization's fate from the chain; read-only, it never sends anything.
 * `transaction`, when given, is the settlement transaction believed to carry it.
 */
export type SettlementCheck = (asset: Address, from: Address, nonce: Hex, transaction?: Hex) => Promise<AuthorizationOutcome>

/**
 * A check through one JSON-RPC endpoint (see rpc-settlement-check.ts). The reader, and viem with
 * it, is imported on the first check: sellers who never settle through a facilitator on EVM never load it.
 */
export function rpcSettlementCheck(network: EvmNetwork, rpcUrl: string): SettlementCheck {
  let reader: Promise<SettlementCheck> | undefined
  return async (asset, from, nonce, transaction) => {
    let read: SettlementCheck
    try {
      read = await (reader ??= import('./rpc-settlement-check.js').then((module) => module.rpcReader(network, rpcUrl)))
    } catch (error) {
      reader = undefined
      // A reader that cannot load leaves the outcome unknown, as an unreachable endpoint does.
      return { state: 'unknown', detail: `the chain reader did not load: ${(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''}` }
    }
    return read(asset, from, nonce, transaction)
  }
}
