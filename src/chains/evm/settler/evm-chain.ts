import type { Address, Hex } from 'viem'
import type { AuthorizationOutcome } from '../../../facilitator/settlement-check.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { ContractCalls } from './contract-calls.js'

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

/**
 * Outcome of submitting a transfer. Failures say whether anything may have reached the chain:
 * `broadcast: false` only when the chain proves no transaction of ours can carry the transfer.
 */
export type TransferOutcome =
  | { ok: true; transaction: Hex }
  | { ok: false; stage: 'simulation'; reverted: true; detail: string }
  | { ok: false; stage: 'unavailable'; broadcast: boolean; detail: string; transaction?: Hex }
  | { ok: false; stage: 'reverted'; detail: string; transaction: Hex }
  /** The node refused the transaction because the settler account cannot pay its gas; nothing was sent. */
  | { ok: false; stage: 'insufficient-gas'; detail: string }

/** The settler account's native balance on one network, against what one settlement costs. */
export interface GasStatus {
  network: string
  address: Address
  /** Wei; null when the balance could not be read. */
  balance: bigint | null
  /** 'low': below the seller's `minGasBalance`; 'dry': cannot pay one settlement at current fees. */
  state: 'ok' | 'low' | 'dry' | 'unknown'
  detail?: string
  /** For a member of a `settlerPool`: whether it takes new payments ('out': dry or stuck). */
  rotation?: 'in' | 'out'
}

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
  /**
   * Read-only: what the chain says about an authorization whose settlement outcome is unknown.
   * With `transaction` (a settlement transaction of ours), a mined-and-reverted or provably
   * unmineable transaction with the authorization still unused is 'open'; one that may still be
   * mined is 'unknown'. Never sends anything.
   */
  checkAuthorization(asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome>
  /**
   * True only when the settler is known unable to pay for a settlement's gas (its last read balance,
   * or a refused send, says so); verification then refuses before any handler runs.
   */
  settlerIsDry?(): Promise<boolean>
  /** Contract calls from the settling account, for methods settling through a contract (Permit2 proxies). */
  readonly contracts?: ContractCalls
}

/** Something that can give chain access per network: `localSettler` does, with its own key. */
export interface EvmSettler {
  /** The account paying gas, shown in logs and `/supported`. */
  readonly address: Address
  connect(network: EvmNetwork): EvmChain
  /** Fresh balance reads of every network connected so far, for a health endpoint. */
  gasStatus?(): Promise<GasStatus[]>
}
