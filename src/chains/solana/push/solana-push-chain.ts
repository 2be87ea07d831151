import { getBase58Decoder, getBase58Encoder, getPublicKeyFromAddress, isAddress, verifySignature, type Address, type SignatureBytes } from '@solana/kit'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import type { TermsChange } from '../../../gate/dynamic-terms.js'
import type { PushChain, PushReading } from '../../../push/push-chain.js'
import { SolanaRpcError, type SolanaRpcCall } from '../solana-rpc.js'
import { repriceSolanaTerms, type SolanaTerms } from '../solana-terms.js'
import { creditsOf, type RpcTokenBalance } from './token-deltas.js'

export interface SolanaPushReads {
  rpc: SolanaRpcCall
  commitment: 'confirmed' | 'finalized'
}

interface RpcTransaction {
  blockTime?: number | null
  meta?: { err: unknown; preTokenBalances?: RpcTokenBalance[]; postTokenBalances?: RpcTokenBalance[] } | null
}

const base58 = getBase58Encoder()
const base58Text = getBase58Decoder()

/** An SPL payment pushed to the route's payTo, read through getTransaction and its token balance deltas. */
export class SolanaPushChain implements PushChain {
  readonly family = 'solana'
  readonly signatureKind = 'ed25519'
  readonly network: SolanaTerms['network']
  readonly asset: string
  readonly tokenLabel: string
  readonly decimals: number
  readonly amount: bigint
  readonly payTo: string

  constructor(
    private readonly terms: SolanaTerms,
    private readonly reads: SolanaPushReads,
  ) {
    this.network = terms.network
    this.asset = terms.mint
    this.tokenLabel = terms.mint === terms.network.usdc ? 'USDC' : terms.mint
    this.decimals = terms.decimals
    this.amount = terms.amount
    this.payTo = terms.payTo
  }

  canonicalHash(hash: string): string | null {
    const bytes = decode(hash)
    // Re-encoded, so one signature has one replay key however it was written.
    return bytes?.length === 64 ? base58Text.decode(bytes) : null
  }

  canonicalAddress(address: string): string | null {
    return isAddress(address) ? address : null
  }

  signatureShape(signature: string): boolean {
    return decode(signature)?.length === 64
  }

  priced(change: TermsChange): SolanaPushChain {
    return new SolanaPushChain(repriceSolanaTerms(this.terms, change), this.reads)
  }

  async read(hash: string): Promise<PushReading> {
    const { commitment } = this.reads
    const tx = await this.call<RpcTransaction | null>('getTransaction', [hash, { commitment, maxSupportedTransactionVersion: 0, encoding: 'json' }])
    if (!tx) {
      const statuses = await this.call<{ value: Array<unknown | null> }>('getSignatureStatuses', [[hash], { searchTransactionHistory: true }])
      if (statuses?.value?.[0]) return { state: 'pending', detail: `the transaction is not ${commitment} yet`, retryAfterSeconds: commitment === 'finalized' ? 15 : 2 }
      // Signatures land in about a second: one not seen yet may be in flight.
      return { state: 'not-found', retryAfterSeconds: 2 }
    }
    if (!tx.meta) return { state: 'pending', detail: 'the node has no metadata for the transaction yet', retryAfterSeconds: 2 }
    if (tx.meta.err !== null && tx.meta.err !== undefined) return { state: 'failed', detail: `the transaction failed: ${JSON.stringify(tx.meta.err).slice(0, 200)}` }
    if (typeof tx.blockTime !== 'number') return { state: 'pending', detail: 'the node does not know the block time yet', retryAfterSeconds: 2 }
    return { state: 'confirmed', timestamp: tx.blockTime, credits: creditsOf(tx.meta.preTokenBalances ?? [], tx.meta.postTokenBalances ?? []) }
  }

  /** Ed25519 over the UTF-8 message, as wallets' signMessage makes it. */
  async signer(message: string, signature: string, senders: readonly string[]): Promise<string | null> {
    const bytes = decode(signature)
    if (bytes?.length !== 64) return null
    const data = new TextEncoder().encode(message)
    for (const sender of senders) {
      if (!isAddress(sender)) continue
      const key = await getPublicKeyFromAddress(sender as Address)
      if (await verifySignature(key, bytes as SignatureBytes, data).catch(() => false)) return sender
    }
    return null
  }

  private async call<T>(method: string, params: unknown[]): Promise<T> {
    try {
      return await this.reads.rpc<T>(method, params)
    } catch (error) {
      if (error instanceof ChainUnavailableError) throw error
      // The node answered with an error about a well-formed signature: it cannot say, so nothing is proven either way.
      if (error instanceof SolanaRpcError) throw new ChainUnavailableError(error.message, { cause: error })
      throw error
    }
  }
}

function decode(text: string): Uint8Array | null {
  try {
    return new Uint8Array(base58.encode(text))
  } catch {
    return null
  }
}
