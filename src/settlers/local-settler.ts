import { isHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { EvmNetwork } from '../networks/evm-network.js'
import type { EvmChain, EvmSettler } from './evm-chain.js'
import { NonceSequencer } from './nonce-sequencer.js'
import { RpcChain } from './rpc-chain.js'

export interface LocalSettlerOptions {
  /** The key of the account that submits settlements and pays their gas. */
  privateKey: Hex
  /** JSON-RPC endpoint for every network this settler serves (its chain id is checked before use). */
  rpcUrl?: string
  /** Endpoints per network name or CAIP-2 id, for sellers on several chains. */
  rpcUrls?: Record<string, string>
  /** How long to wait for a settlement receipt (default 60 s); past it the outcome is reported unknown. */
  receiptTimeoutMs?: number
  /** Receipt polling interval (default 500 ms). */
  pollingIntervalMs?: number
  /** Timeout of each JSON-RPC request (default 10 s). */
  requestTimeoutMs?: number
}

/**
 * One nonce sequence per account and chain in the process: settlers built from one key (even
 * through different endpoints) must draw from one sequence, or their transactions would replace
 * each other.
 */
const sequencers = new Map<string, NonceSequencer>()

/**
 * Verifies against and settles on the chain directly, from the seller's own gas account:
 * no facilitator, no third party between the buyer's signature and the transfer.
 */
export function localSettler(options: LocalSettlerOptions): EvmSettler {
  if (!isHex(options.privateKey) || options.privateKey.length !== 66) {
    throw new ConfigurationError(['localSettler: privateKey must be a 0x-prefixed 32-byte hex string'])
  }
  const account = privateKeyToAccount(options.privateKey)
  const chains = new Map<string, EvmChain>()
  return {
    address: account.address,
    connect(network: EvmNetwork): EvmChain {
      const rpcUrl =
        options.rpcUrls?.[network.name] ?? options.rpcUrls?.[network.caip2] ?? options.rpcUrl ?? network.rpcUrl
      if (!rpcUrl) {
        throw new ConfigurationError([`localSettler: no rpcUrl for network ${network.name}; give rpcUrl or rpcUrls`])
      }
      const existing = chains.get(network.caip2)
      if (existing) return existing
      const sequenceKey = `${network.caip2}|${account.address}`
      let sequencer = sequencers.get(sequenceKey)
      if (!sequencer) sequencers.set(sequenceKey, (sequencer = new NonceSequencer()))
      const chain = new RpcChain(network, {
        sequencer,
        rpcUrl,
        account,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        receiptTimeoutMs: options.receiptTimeoutMs ?? 60_000,
        pollingIntervalMs: options.pollingIntervalMs ?? 500,
      })
      chains.set(network.caip2, chain)
      return chain
    },
  }
}
