import type { Address } from '@solana/kit'
import type { BlockhashHints } from './blockhash-hints.js'
import type { FeePayerKey } from './fee-payer-key.js'
import { SolanaRpcError, type SolanaRpcCall } from './solana-rpc.js'
import type { FeeCaps } from './transaction-checks.js'

export type Commitment = 'processed' | 'confirmed' | 'finalized'

/** Everything a Solana method needs from its settler: one endpoint, one fee payer, its limits. */
export interface SolanaChain {
  rpc: SolanaRpcCall
  feePayer: FeePayerKey
  commitment: Commitment
  caps: FeeCaps
  hints: BlockhashHints
  /** How long settlement polls for confirmation before answering that the outcome is unknown. */
  confirmTimeoutMs: number
  /** Pause between polls; short first, since a local or fast cluster confirms within a second. */
  pollIntervalsMs: readonly number[]
  sleep(ms: number): Promise<void>
}

export type Simulation = { ok: true } | { ok: false; detail: string; expired: boolean }

/**
 * Simulates without signature checks (the fee payer has not signed yet) and without replacing the
 * blockhash, so an expired payment fails here. A node that answers with an error refuses this very
 * transaction; one that cannot be reached throws a ChainUnavailableError (503, nothing charged).
 */
export async function simulate(chain: SolanaChain, wire: string): Promise<Simulation> {
  let answer: { value: { err: unknown; logs?: string[] | null } }
  try {
    answer = await chain.rpc('simulateTransaction', [wire, { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: false, commitment: chain.commitment }])
  } catch (error) {
    if (error instanceof SolanaRpcError) return { ok: false, detail: error.message, expired: /blockhash/i.test(error.message) }
    throw error
  }
  const err = answer?.value?.err
  if (err === null || err === undefined) return { ok: true }
  const detail = typeof err === 'string' ? err : JSON.stringify(err)
  return { ok: false, detail: detail.slice(0, 300), expired: /BlockhashNotFound/.test(detail) }
}

/** A signature's status as the cluster reports it, or null when it has none. */
export interface SignatureStatus {
  err: unknown
  confirmationStatus: Commitment | null
}

export async function signatureStatus(chain: SolanaChain, signature: string, searchHistory: boolean): Promise<SignatureStatus | null> {
  const answer = await chain.rpc<{ value: (SignatureStatus | null)[] }>('getSignatureStatuses', [[signature], { searchTransactionHistory: searchHistory }])
  return answer?.value?.[0] ?? null
}

/** Whether a status has reached the commitment the seller settles at. */
export function reaches(status: SignatureStatus, commitment: Commitment): boolean {
  const order: Commitment[] = ['processed', 'confirmed', 'finalized']
  return status.confirmationStatus !== null && order.indexOf(status.confirmationStatus) >= order.indexOf(commitment)
}

export async function blockHeight(chain: SolanaChain): Promise<number> {
  return Number(await chain.rpc<number | bigint>('getBlockHeight', [{ commitment: chain.commitment }]))
}

export function feePayerAddress(chain: SolanaChain): Address {
  return chain.feePayer.address
}
