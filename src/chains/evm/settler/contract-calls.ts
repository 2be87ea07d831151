import { BaseError, type Address, type Hex, type PublicClient, type TypedDataDefinition } from 'viem'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import type { AuthorizationOutcome, SettlementCheck } from '../../../facilitator/settlement-check.js'
import { checkAuthorization, type CheckParts } from './authorization-check.js'
import type { TransferOutcome } from './evm-chain.js'
import { errorDetail, isNoGas, isUnreachable } from './rpc-errors.js'
import { submitTransfer, type SubmitContext } from './submit-transfer.js'

/** The outcome of an eth_call: its return data, or the revert with its raw data when the node gave it. */
export type CallOutcome = { ok: true; data: Hex } | { ok: false; revert: Hex | undefined; detail: string }

/**
 * Contract calls from the settler account for methods that settle through a contract of their own
 * (the x402 Permit2 proxies): the same nonce sequence, pending ledger, gas watch and settlement-truth
 * rules as EIP-3009 transfers, since every transaction goes through submitTransfer.
 */
export interface ContractCalls {
  /** The account transactions are sent from (the upto witness's facilitator). */
  readonly settler: Address
  /** Reads through the settler's endpoint, on the checked chain; throws ChainUnavailableError when it cannot answer. */
  read<T>(run: (client: PublicClient) => Promise<T>): Promise<T>
  /** eth_call from the settler account at the latest block; throws ChainUnavailableError when unreachable. */
  simulate(to: Address, data: Hex): Promise<CallOutcome>
  /** ERC-1271 / ERC-6492 check through the chain; throws ChainUnavailableError when unreachable. */
  verifyTypedData(address: Address, typedData: TypedDataDefinition, signature: Hex): Promise<boolean>
  /**
   * Estimates (a revert stops here: stage 'simulation', its raw revert data in `detail` as
   * `revert=0x…`), then sends and follows the transaction. `state` tells whether the payment was
   * used on chain, and by which transaction, so an unknown outcome is resolved from the chain.
   */
  send(to: Address, data: Hex, state: () => Promise<AuthorizationOutcome>): Promise<TransferOutcome>
  /** The read-only resolution rules of checkAuthorization, with the method's own state check. */
  check(state: SettlementCheck, asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome>
}

export interface ContractCallParts {
  client: PublicClient
  account: Address
  checkChain(): Promise<void>
  /** Learns the gas a settlement takes (the gas watch's "one settlement" cost). */
  estimated(gas: bigint): void
  noGas(detail: string): void
  fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }>
  submit: Omit<SubmitContext, 'check'>
  checkParts: Omit<CheckParts, 'authorization'>
}

/** The raw revert data of a failed call or estimate, when the node gave it. */
export function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined
  const found = error.walk((e) => typeof (e as { data?: unknown }).data === 'string' && /^0x[0-9a-f]*$/i.test((e as { data: string }).data)) as { data?: Hex } | null
  return found?.data
}

export function contractCalls(parts: ContractCallParts): ContractCalls {
  const read = async <T>(run: (client: PublicClient) => Promise<T>): Promise<T> => {
    await parts.checkChain()
    try {
      return await run(parts.client)
    } catch (error) {
      throw new ChainUnavailableError(`chain read failed: ${errorDetail(error)}`, { cause: error })
    }
  }
  return {
    settler: parts.account,
    read,
    async simulate(to, data) {
      await parts.checkChain()
      try {
        const result = await parts.client.call({ account: parts.account, to, data })
        return { ok: true, data: result.data ?? '0x' }
      } catch (error) {
        if (isUnreachable(error)) throw new ChainUnavailableError(`simulation failed: ${errorDetail(error)}`, { cause: error })
        return { ok: false, revert: revertData(error), detail: errorDetail(error) }
      }
    },
    async verifyTypedData(address, typedData, signature) {
      await parts.checkChain()
      try {
        return await parts.client.verifyTypedData({ address, signature, blockTag: 'latest', ...(typedData as object) } as Parameters<PublicClient['verifyTypedData']>[0])
      } catch (error) {
        if (isUnreachable(error)) throw new ChainUnavailableError(`signature check failed: ${errorDetail(error)}`, { cause: error })
        return false
      }
    },
    async send(to, data, state) {
      let gas: bigint
      let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
      try {
        await parts.checkChain()
        // Estimation runs the call against the latest state: a call that would revert stops here, before any gas is spent.
        // The fee read (cached, refreshed every few seconds) runs beside it rather than after it; the estimate's
        // verdict is read first, so a revert is still reported as one whatever the fee read did.
        const [estimate, market] = await Promise.allSettled([parts.client.estimateGas({ account: parts.account, to, data }), parts.fees()])
        if (estimate.status === 'rejected') throw estimate.reason
        if (market.status === 'rejected') throw market.reason
        gas = (estimate.value * 5n) / 4n
        fees = market.value
      } catch (error) {
        if (isNoGas(error)) {
          parts.noGas(errorDetail(error))
          return { ok: false, stage: 'insufficient-gas', detail: errorDetail(error) }
        }
        if (error instanceof ChainUnavailableError || isUnreachable(error)) {
          return { ok: false, stage: 'unavailable', broadcast: false, detail: errorDetail(error) }
        }
        const revert = revertData(error)
        return { ok: false, stage: 'simulation', reverted: true, detail: `${errorDetail(error)}${revert ? ` revert=${revert}` : ''}` }
      }
      parts.estimated(gas)
      return submitTransfer({ ...parts.submit, check: state }, { to, data, gas, fees })
    },
    check(state, asset, from, nonce, transaction) {
      return checkAuthorization({ ...parts.checkParts, authorization: state }, asset, from, nonce, transaction)
    },
  }
}
