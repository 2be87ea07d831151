import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import type { Address } from 'viem'
import { checksumAddress } from '../../../config/evm-address.js'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { EvmChain, EvmSettler, GasStatus } from './evm-chain.js'
import { lazyChain, type LazyChain } from './lazy-chain.js'
import type { RpcChain } from './rpc-chain.js'
import { settlerAccount } from './settler-account.js'
import { settlerSettings, type LocalSettlerOptions } from './settler-options.js'

export type { LocalSettlerOptions } from './settler-options.js'

export interface LocalSettler extends EvmSettler {
  /** Fresh gas balance reads of every network this settler is connected to. */
  gasStatus(): Promise<GasStatus[]>
}

/**
 * Verifies against and settles on the chain directly, from the seller's own gas account:
 * no facilitator, no third party between the buyer's signature and the transfer. The JSON-RPC
 * implementation (viem) is imported when a network is connected, so that importing tollgate does
 * not load viem for a seller who takes only Solana payments.
 */
export function localSettler(options: LocalSettlerOptions): LocalSettler {
  const settings = settlerSettings(options)
  const address = addressOfKey(settings.privateKey)
  const chains = new Map<string, LazyChain<RpcChain>>()
  return {
    address,
    connect(network: EvmNetwork): EvmChain {
      const rpcUrl = settings.rpcUrls[network.name] ?? settings.rpcUrls[network.caip2] ?? settings.rpcUrl ?? network.rpcUrl
      if (!rpcUrl) {
        throw new ConfigurationError([`localSettler: no rpcUrl for network ${network.name}; give rpcUrl or rpcUrls`])
      }
      const existing = chains.get(network.caip2)
      if (existing) return existing
      const load = async (): Promise<RpcChain> => {
        const [{ RpcChain }, { privateKeyToAccount }] = await Promise.all([import('./rpc-chain.js'), import('viem/accounts')])
        return new RpcChain(network, { ...settings, rpcUrl, account: privateKeyToAccount(settings.privateKey), settler: settlerAccount(network.caip2, address) })
      }
      const chain = lazyChain(network, load, { settler: address })
      chains.set(network.caip2, chain)
      return chain
    },
    gasStatus: () => Promise.all([...chains.values()].map(async (chain) => (await chain.loaded()).gasStatus())),
  }
}

/** The account of a private key (validated by settlerSettings): keccak-256 of the public key, last 20 bytes. */
function addressOfKey(privateKey: `0x${string}`): Address {
  const publicKey = secp256k1.getPublicKey(hexToBytes(privateKey.slice(2)), false)
  return checksumAddress(`0x${bytesToHex(keccak_256(publicKey.subarray(1))).slice(24)}`)
}
