import { Reason } from '../../errors/reasons.js'
import { ChainUnavailableError } from '../../errors/tollgate-error.js'
import type { Verdict } from '../evm/resolve-authorization.js'
import { blockHeight, reaches, signatureStatus, type SolanaChain } from './solana-chain.js'
import { SolanaRpcError } from './solana-rpc.js'
import { coSign, type SolanaResume } from './settle-transaction.js'
import type { PaymentTransaction } from './wire-transaction.js'

/**
 * What the cluster says now about a settlement left unknown: settled, failed on chain, provably
 * never landed (the block height passed the blockhash's last valid height with no status: no block
 * can include it any more), or still unknown. While it can still land, the same signed transaction
 * is sent again (same signature, so it can land at most once), as Solana clients do until expiry.
 */
export async function resolveSignature(chain: SolanaChain, tx: PaymentTransaction, resume: string | undefined): Promise<Verdict> {
  const pending = parseResume(resume)
  if (!pending) return { state: 'unknown', detail: 'no signature was recorded for this settlement' }
  try {
    // Height first: a status read after it covers every block up to that height.
    const height = await blockHeight(chain)
    const status = await signatureStatus(chain, pending.signature, true)
    if (status?.err) {
      return { state: 'failed', reusable: false, reason: Reason.svmTransactionFailed, detail: `transaction ${pending.signature} failed: ${JSON.stringify(status.err)}`, publicDetail: 'the transfer failed on chain; nothing was charged; sign a new payment' }
    }
    if (status && reaches(status, chain.commitment)) return { state: 'settled', transaction: pending.signature }
    if (status) return { state: 'unknown', detail: `transaction ${pending.signature} is ${status.confirmationStatus ?? 'seen'}, not yet ${chain.commitment}` }
    if (height > pending.lastValidBlockHeight) {
      return { state: 'failed', reusable: false, reason: Reason.svmTransactionExpired, detail: `transaction ${pending.signature} never landed; block height ${height} is past ${pending.lastValidBlockHeight}`, publicDetail: "the payment's blockhash expired before it landed; nothing was charged; sign a new payment" }
    }
    const signed = await coSign(chain, tx)
    await chain.rpc('sendTransaction', [signed.wire, { encoding: 'base64', skipPreflight: true, preflightCommitment: chain.commitment }]).catch(() => undefined)
    return { state: 'unknown', detail: `transaction ${pending.signature} has no status yet` }
  } catch (error) {
    if (error instanceof ChainUnavailableError || error instanceof SolanaRpcError) return { state: 'unknown', detail: error.message }
    throw error
  }
}

function parseResume(resume: string | undefined): SolanaResume | undefined {
  if (!resume) return undefined
  try {
    const value = JSON.parse(resume) as Partial<SolanaResume>
    return typeof value.signature === 'string' && typeof value.lastValidBlockHeight === 'number' ? (value as SolanaResume) : undefined
  } catch {
    return undefined
  }
}
