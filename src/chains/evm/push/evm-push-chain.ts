import type { Address, Hex, PublicClient } from 'viem'
import { checksumAddress, isEvmAddress, sameAddress } from '../../../config/evm-address.js'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import type { TermsChange } from '../../../gate/dynamic-terms.js'
import type { PushChain, PushCredit, PushReading } from '../../../push/push-chain.js'
import { repriceTerms, type EvmTerms } from '../exact/evm-terms.js'
import { recoverSigner } from '../exact/recover-signer.js'
import { errorDetail } from '../error-detail.js'

/** keccak256('Transfer(address,address,uint256)'): the ERC-20 Transfer event. */
const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

export interface EvmPushReads {
  /** The endpoint's client; viem is imported by the first read, not when the route is built. */
  client(): Promise<PublicClient>
  /** Blocks on top of (and including) the transaction's before it counts. */
  confirmations: number
  /** For the retry hint of an unconfirmed transaction. */
  blockTimeSeconds: number
}

interface RpcReceipt {
  status?: Hex
  blockNumber?: Hex | null
  blockHash?: Hex | null
  logs?: Array<{ address: Hex; topics: Hex[]; data: Hex; removed?: boolean }>
}

/** An ERC-20 payment pushed to the route's payTo, read from its receipt's Transfer logs. */
export class EvmPushChain implements PushChain {
  readonly family = 'evm'
  readonly signatureKind = 'eip191'
  readonly network: EvmTerms['network']
  readonly asset: Address
  readonly tokenLabel: string
  readonly decimals: number
  readonly amount: bigint
  readonly payTo: Address

  constructor(
    private readonly terms: EvmTerms,
    private readonly reads: EvmPushReads,
  ) {
    this.network = terms.network
    this.asset = terms.token.address
    this.decimals = terms.token.decimals
    this.amount = terms.amount
    this.payTo = terms.payTo
    const usdc = terms.network.asset && sameAddress(terms.network.asset.address, terms.token.address)
    this.tokenLabel = usdc ? 'USDC' : terms.token.address
  }

  canonicalHash(hash: string): string | null {
    // Hex is case-insensitive: one transaction must have one replay key however it is written.
    return /^0x[0-9a-fA-F]{64}$/.test(hash) ? hash.toLowerCase() : null
  }

  canonicalAddress(address: string): string | null {
    return isEvmAddress(address) ? checksumAddress(address) : null
  }

  signatureShape(signature: string): boolean {
    return /^0x(?:[0-9a-fA-F]{2})+$/.test(signature)
  }

  priced(change: TermsChange): EvmPushChain {
    return new EvmPushChain(repriceTerms(this.terms, change), this.reads)
  }

  async read(hash: string): Promise<PushReading> {
    const [receipt, head] = await Promise.all([this.call<RpcReceipt | null>('eth_getTransactionReceipt', [hash]), this.call<Hex>('eth_blockNumber', [])])
    const needed = this.reads.confirmations
    if (!receipt?.blockNumber || !receipt.blockHash) {
      const known = await this.call<unknown>('eth_getTransactionByHash', [hash])
      if (known === null) return { state: 'not-found' }
      return this.pending(`the transaction is not mined yet (0 of ${needed} confirmations)`, needed)
    }
    const mined = BigInt(receipt.blockNumber)
    const confirmations = Number(BigInt(head) - mined + 1n)
    if (confirmations < needed) return this.pending(`${Math.max(confirmations, 0)} of ${needed} confirmations`, needed - Math.max(confirmations, 0))
    const block = await this.call<{ hash?: Hex; timestamp?: Hex } | null>('eth_getBlockByNumber', [receipt.blockNumber, false])
    // The block at that height is another one: the transaction was reorganised out, and may come back.
    if (!block?.hash || block.hash !== receipt.blockHash || !block.timestamp) return this.pending('the transaction was reorganised out of its block', needed)
    if (receipt.status !== '0x1') return { state: 'failed', detail: `the transaction reverted in block ${mined}` }
    return { state: 'confirmed', timestamp: Number(BigInt(block.timestamp)), credits: transfers(receipt.logs ?? []) }
  }

  async signer(message: string, signature: string, senders: readonly string[]): Promise<string | null> {
    const hex = signature as Hex
    if (hex.length === 132) {
      // EIP-191 personal_sign, recovered in libsecp256k1 where it loads (as the exact method's EIP-712 signatures are).
      const { hashMessage } = await import('viem')
      const recovered = await recoverSigner(hashMessage(message, 'bytes'), hex)
      const found = recovered && senders.find((s) => s.toLowerCase() === recovered)
      if (found) return found
    }
    // A contract wallet signs through ERC-1271 (or ERC-6492 before it is deployed): only the chain can say.
    for (const sender of senders.slice(0, 4)) {
      const code = await this.call<Hex>('eth_getCode', [sender, 'latest'])
      if (code === '0x') continue
      const valid = await (await this.reads.client()).verifyMessage({ address: sender as Address, message, signature: hex }).catch(() => false)
      if (valid) return sender
    }
    return null
  }

  private pending(detail: string, blocksLeft: number): PushReading {
    return { state: 'pending', detail, retryAfterSeconds: Math.min(Math.max(Math.ceil(blocksLeft * this.reads.blockTimeSeconds), 1), 60) }
  }

  private async call<T>(method: string, params: unknown[]): Promise<T> {
    try {
      const request = (await this.reads.client()).request as (args: { method: string; params: unknown[] }) => Promise<unknown>
      return (await request({ method, params })) as T
    } catch (error) {
      throw new ChainUnavailableError(`reading ${method} on ${this.network.name} failed: ${errorDetail(error)}`, { cause: error })
    }
  }
}

/** Every ERC-20 Transfer of the receipt (any token, any recipient): the method picks what pays its route. */
function transfers(logs: NonNullable<RpcReceipt['logs']>): PushCredit[] {
  const credits: PushCredit[] = []
  for (const log of logs) {
    if (log.removed || log.topics.length !== 3 || log.topics[0]?.toLowerCase() !== TRANSFER_TOPIC || !/^0x[0-9a-fA-F]{64}$/.test(log.data)) continue
    credits.push({
      asset: checksumAddress(log.address),
      from: [checksumAddress(`0x${log.topics[1]!.slice(26)}`)],
      to: checksumAddress(`0x${log.topics[2]!.slice(26)}`),
      amount: BigInt(log.data),
    })
  }
  return credits
}
