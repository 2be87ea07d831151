import { privateKeyToAccount } from 'viem/accounts'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { EvmSettler, GasStatus } from './evm-chain.js'
import { RpcChain } from './rpc-chain.js'
import { settlerAccount } from './settler-account.js'
import { settlerSettings, type LocalSettlerOptions } from './settler-options.js'

export type { LocalSettlerOptions } from './settler-options.js'

export interface LocalSettler extends EvmSettler {
  /** Fresh gas balance reads of every network this settler is connected to. */
  gasStatus(): Promise<GasStatus[]>
}

/**
 * Verifies against and settles on the chain directly, from the seller's own gas account:
 * no facilitator, no third party between the buyer's signature and the transfer.
 */
export function localSettler(options: LocalSettlerOptions): LocalSettler {
  const settings = settlerSettings(options)
  const account = privateKeyToAccount(settings.privateKey)
  const chains = new Map<string, RpcChain>()
  return {
    address: account.address,
    connect(network: EvmNetwork): RpcChain {
      const rpcUrl = settings.rpcUrls[network.name] ?? settings.rpcUrls[network.caip2] ?? settings.rpcUrl ?? network.rpcUrl
      if (!rpcUrl) {
        throw new ConfigurationError([`localSettler: no rpcUrl for network ${network.name}; give rpcUrl or rpcUrls`])
      }
      const existing = chains.get(network.caip2)
      if (existing) return existing
      const chain = new RpcChain(network, { ...settings, rpcUrl, account, settler: settlerAccount(network.caip2, account.address) })
      chains.set(network.caip2, chain)
      return chain
    },
    gasStatus: () => Promise.all([...chains.values()].map((chain) => chain.gasStatus())),
  }
}
