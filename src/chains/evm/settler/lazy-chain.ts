import type { Address } from 'viem'
import type { EvmNetwork } from '../network/evm-network.js'
import type { ContractCalls } from './contract-calls.js'
import type { EvmChain } from './evm-chain.js'

/**
 * A settler's chain whose implementation, and viem with it, is imported when the chain is connected
 * (an EVM route is built), not when tollgate is: a seller who takes only Solana payments never loads
 * viem. The import starts at once, so a settler's first gas check runs as early as before; each call
 * waits for it. An import that fails is tried again on the next call and its error reaches the caller.
 */
export function lazyChain<C extends EvmChain>(network: EvmNetwork, load: () => Promise<C>, contractsOf?: { settler: Address }): LazyChain<C> {
  let loading: Promise<C> | undefined
  const chain = (): Promise<C> =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    }))
  // Started now, awaited by every call; an early failure is reported by the first call instead.
  chain().catch(() => undefined)
  const calls = async (): Promise<ContractCalls> => {
    const contracts = (await chain()).contracts
    if (!contracts) throw new TypeError(`the settler's chain for ${network.name} makes no contract calls`)
    return contracts
  }
  const contracts: ContractCalls | undefined = contractsOf && {
    settler: contractsOf.settler,
    read: async (run) => (await calls()).read(run),
    simulate: async (to, data) => (await calls()).simulate(to, data),
    verifyTypedData: async (address, typedData, signature) => (await calls()).verifyTypedData(address, typedData, signature),
    send: async (to, data, state) => (await calls()).send(to, data, state),
    check: async (state, asset, from, nonce, transaction) => (await calls()).check(state, asset, from, nonce, transaction),
  }
  return {
    network,
    readAuthorizationState: async (asset, from, nonce) => (await chain()).readAuthorizationState(asset, from, nonce),
    isContract: async (address) => (await chain()).isContract(address),
    verifyTypedDataOnChain: async (check) => (await chain()).verifyTypedDataOnChain(check),
    transferWithAuthorization: async (asset, authorization, signature) => (await chain()).transferWithAuthorization(asset, authorization, signature),
    checkAuthorization: async (asset, from, nonce, transaction) => (await chain()).checkAuthorization(asset, from, nonce, transaction),
    settlerIsDry: async () => (await (await chain()).settlerIsDry?.()) ?? false,
    ...(contracts ? { contracts } : {}),
    loaded: chain,
  }
}

/** `loaded()`: the implementation, for what only it knows (a settler's gas status). */
export type LazyChain<C extends EvmChain> = EvmChain & { loaded(): Promise<C> }
