import type { Address } from 'viem'
import { checksumAddress, isEvmAddress } from '../../../config/evm-address.js'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import { guardedLogger, silentLogger, type Logger } from '../../../logger.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { BatchChain } from './batch-chain.js'
import type { EvmChain, EvmSettler, GasStatus } from './evm-chain.js'
import { lazyChain } from './lazy-chain.js'

/** Multicall3's address, the same on every chain it is deployed to (Base, Base Sepolia, Ethereum, …). */
export const MULTICALL3_ADDRESS: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'

export interface BatchOptions {
  /** How long the first payment of a batch waits for others (default 50 ms): latency added to every settlement. */
  windowMs?: number
  /** A batch goes out at once when it holds this many payments (default 32). */
  maxBatch?: number
  /** The aggregate3 contract (default Multicall3's canonical address). */
  multicall?: Address
  logger?: Logger
}

/**
 * Settles EIP-3009 payments in batches: those verified within `windowMs` (or up to `maxBatch`) go out
 * in one transaction, Multicall3's aggregate3 with every call allowed to fail, from the settler's
 * account through its nonce sequence and settlement-truth rules. Each payment's outcome is read
 * from the mined receipt (its AuthorizationUsed event), so one bad authorization neither fails nor
 * delays the others. Unknown outcomes are resolved per payment from the chain; a batch transaction
 * is never taken as proof that a payment inside it settled. Wrap each member to batch a pool:
 * `settlerPool([batchedSettler(a), batchedSettler(b)])`.
 */
export function batchedSettler(inner: EvmSettler, options: BatchOptions = {}): EvmSettler {
  const problems: string[] = []
  if (!inner || typeof inner.connect !== 'function') problems.push('batchedSettler needs a settler, e.g. batchedSettler(localSettler({ privateKey, rpcUrl }))')
  const windowMs = options.windowMs ?? 50
  const maxBatch = options.maxBatch ?? 32
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) problems.push('batchedSettler: windowMs must be a non-negative integer number of milliseconds')
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > 500) problems.push('batchedSettler: maxBatch must be an integer from 1 to 500')
  if (options.multicall !== undefined && !isEvmAddress(options.multicall)) problems.push('batchedSettler: multicall must be an address')
  if (problems.length > 0) throw new ConfigurationError(problems)
  const multicall = checksumAddress(options.multicall ?? MULTICALL3_ADDRESS)
  const logger = guardedLogger(options.logger ?? silentLogger)
  const chains = new Map<string, EvmChain>()
  return {
    address: inner.address,
    connect(network: EvmNetwork): EvmChain {
      let chain = chains.get(network.caip2)
      if (!chain) {
        const members = inner.connect(network)
        const load = async (): Promise<BatchChain> => new (await import('./batch-chain.js')).BatchChain(members, { windowMs, maxBatch, multicall, logger })
        chain = lazyChain(network, load, members.contracts ? { settler: members.contracts.settler } : undefined)
        chains.set(network.caip2, chain)
      }
      return chain
    },
    ...(inner.gasStatus ? { gasStatus: (): Promise<GasStatus[]> => inner.gasStatus!() } : {}),
  }
}

