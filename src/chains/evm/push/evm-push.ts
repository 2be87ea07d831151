import type { PublicClient } from 'viem'
import { lazyPublicClient } from '../lazy-client.js'
import { isRecord } from '../../../config/config-shape.js'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import { PushMethod } from '../../../push/push-method.js'
import { httpUrlProblems, positiveInteger, pushSettings, PUSH_OPTION_KEYS, type PushOptions } from '../../../push/push-options.js'
import type { PushSetup } from '../../../push/push-setup.js'
import { resolveTerms, type EvmExactOptions } from '../exact/evm-terms.js'
import type { EvmNetwork } from '../network/evm-network.js'
import { EvmPushChain } from './evm-push-chain.js'

export interface EvmPushOptions extends PushOptions {
  /** JSON-RPC endpoint for every network (else each network's `rpcUrl` from `networks`). */
  rpcUrl?: string
  /** Per network name or CAIP-2 id. */
  rpcUrls?: Record<string, string>
  /** Blocks on top of and including the transaction's before it counts (default 2: one block on top). */
  confirmations?: number
  /** Seconds between blocks, for the Retry-After of an unconfirmed transaction (default 2). */
  blockTimeSeconds?: number
  /** Bound on each RPC call (default 5000 ms). */
  requestTimeoutMs?: number
}

const KEYS = [...PUSH_OPTION_KEYS, 'rpcUrl', 'rpcUrls', 'confirmations', 'blockTimeSeconds', 'requestTimeoutMs']

/**
 * Payments pushed on an EVM chain first: an ERC-20 `Transfer` of the route's token to its payTo,
 * at least the price, in a successful transaction with enough confirmations, proven by its hash
 * (`Authorization: x402 …`). Give it as the tollgate configuration's `push` and `push: true` on routes.
 */
export function evmPush(options: EvmPushOptions = {}): PushSetup {
  const settings = pushSettings('evmPush', options, KEYS, (o) => [
    ...httpUrlProblems(o.rpcUrl, 'evmPush: rpcUrl'),
    ...(o.rpcUrls === undefined ? [] : isRecord(o.rpcUrls) ? Object.entries(o.rpcUrls).flatMap(([name, url]) => httpUrlProblems(url, `evmPush: rpcUrls[${JSON.stringify(name)}]`)) : ['evmPush: rpcUrls must map network names to URLs']),
    ...positiveInteger(o, 'confirmations', 'evmPush', 10_000),
    ...positiveInteger(o, 'blockTimeSeconds', 'evmPush', 3_600),
    ...positiveInteger(o, 'requestTimeoutMs', 'evmPush', 120_000),
  ])
  const clients = new Map<string, () => Promise<PublicClient>>()
  const clientFor = (network: EvmNetwork): (() => Promise<PublicClient>) => {
    const url = options.rpcUrls?.[network.name] ?? options.rpcUrls?.[network.caip2] ?? options.rpcUrl ?? network.rpcUrl
    if (!url) throw new ConfigurationError([`evmPush: no rpcUrl for network ${network.name}; give rpcUrl or rpcUrls, or the network's rpcUrl in \`networks\``])
    // viem is imported by the first push payment read, not when tollgate or the route is.
    let client = clients.get(url)
    if (!client) {
      client = lazyPublicClient(url, { batch: true, timeout: options.requestTimeoutMs ?? 5_000, retryCount: 1 })
      clients.set(url, client)
    }
    return client
  }
  return {
    kind: 'tollgate-push',
    family: 'evm',
    settings,
    methodFor(option, { registry }) {
      let network: EvmNetwork
      try {
        network = registry.resolve(option.network)
      } catch (error) {
        if (error instanceof ConfigurationError) return undefined
        throw error
      }
      if (!network.caip2.startsWith('eip155:')) return undefined
      return {
        build: (context) => {
          const terms = resolveTerms(option as EvmExactOptions, context)
          const reads = { client: clientFor(terms.network), confirmations: options.confirmations ?? 2, blockTimeSeconds: options.blockTimeSeconds ?? 2 }
          return new PushMethod(new EvmPushChain(terms, reads), settings)
        },
      }
    },
  }
}
