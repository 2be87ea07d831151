import { createPublicClient, http, type Address, type Hex, type PublicClient } from 'viem'
import { classifySendError, type SendAnswer } from './rpc-errors.js'

export interface Fees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

export interface MinedReceipt {
  hash: Hex
  success: boolean
  blockNumber: bigint
}

const FEE_CACHE_MS = 2_000

/**
 * One JSON-RPC endpoint, as the settler uses it. Reads go through a batching transport that may
 * retry (a read twice is harmless); `eth_sendRawTransaction` goes through its own transport that
 * never retries, so a signed transaction leaves exactly when the settler decides it does.
 */
export class ChainRpc {
  readonly client: PublicClient
  private readonly sender: PublicClient
  private fees: { at: number; value: Promise<Fees> } | undefined

  constructor(rpcUrl: string, requestTimeoutMs: number, pollingIntervalMs: number) {
    // Batching folds the verification reads (nonce state + balance) into one HTTP round trip.
    this.client = createPublicClient({
      transport: http(rpcUrl, { batch: true, timeout: requestTimeoutMs, retryCount: 1 }),
      pollingInterval: pollingIntervalMs,
    })
    this.sender = createPublicClient({ transport: http(rpcUrl, { timeout: requestTimeoutMs, retryCount: 0 }) })
  }

  /** Never throws: every failure is read into what it says about the transaction. */
  async sendRaw(raw: Hex): Promise<SendAnswer> {
    try {
      await this.sender.request({ method: 'eth_sendRawTransaction', params: [raw] }, { retryCount: 0, dedupe: false })
      return { kind: 'accepted' }
    } catch (error) {
      return classifySendError(error)
    }
  }

  /** The receipt of a mined transaction, null while it is not mined; throws when the node cannot answer. */
  async receipt(hash: Hex): Promise<MinedReceipt | null> {
    const receipt = (await this.client.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
      status?: Hex
      blockNumber?: Hex
    } | null
    if (!receipt?.blockNumber) return null
    return { hash, success: receipt.status === '0x1', blockNumber: BigInt(receipt.blockNumber) }
  }

  /** Whether the node holds the transaction, pending or mined; throws when it cannot answer. */
  async knows(hash: Hex): Promise<boolean> {
    return (await this.client.request({ method: 'eth_getTransactionByHash', params: [hash] })) !== null
  }

  /** Transactions of `address` mined so far: every nonce below this is spent for good. */
  minedNonce(address: Address): Promise<number> {
    return this.client.getTransactionCount({ address, blockTag: 'latest' })
  }

  pendingNonce(address: Address): Promise<number> {
    return this.client.getTransactionCount({ address, blockTag: 'pending' })
  }

  currentFees(): Promise<Fees> {
    const now = Date.now()
    if (!this.fees || now - this.fees.at > FEE_CACHE_MS) {
      const value = this.client.estimateFeesPerGas()
      this.fees = { at: now, value }
      value.catch(() => {
        if (this.fees?.value === value) this.fees = undefined
      })
    }
    return this.fees.value
  }
}
