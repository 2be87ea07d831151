import type { Address, Hex } from 'viem'
import type { EvmNetwork } from '../networks/evm-network.js'

export interface Eip3009Authorization {
  from: Address
  to: Address
  value: bigint
  validAfter: bigint
  validBefore: bigint
  nonce: Hex
}

export interface TypedDataCheck {
  address: Address
  asset: Address
  chainId: number
  tokenName: string
  tokenVersion: string
  authorization: Eip3009Authorization
  signature: Hex
}

/** Outcome of submitting a transfer. Failures say whether anything reached the chain. */
export type TransferOutcome =
  | { ok: true; transaction: Hex }
  | { ok: false; stage: 'simulation'; reverted: true; detail: string }
  | { ok: false; stage: 'unavailable'; broadcast: boolean; detail: string; transaction?: Hex }
  | { ok: false; stage: 'reverted'; detail: string; transaction: Hex }

/**
 * Chain access for one network: the reads verification needs and the settlement transaction.
 * Reads throw ChainUnavailableError when the chain cannot answer.
 */
export interface EvmChain {
  readonly network: EvmNetwork
  /** Whether `nonce` is used for `from` on `asset` (EIP-3009 `authorizationState`) and `from`'s balance. */
  readAuthorizationState(asset: Address, from: Address, nonce: Hex): Promise<{ nonceUsed: boolean; balance: bigint }>
  isContract(address: Address): Promise<boolean>
  /** ERC-1271 / ERC-6492 signature check through the chain, for smart-wallet payers. */
  verifyTypedDataOnChain(check: TypedDataCheck): Promise<boolean>
  transferWithAuthorization(asset: Address, authorization: Eip3009Authorization, signature: Hex): Promise<TransferOutcome>
}

/** Something that can give chain access per network: `localSettler` does, with its own key. */
export interface EvmSettler {
  /** The account paying gas, shown in logs and `/supported`. */
  readonly address: Address
  connect(network: EvmNetwork): EvmChain
}
