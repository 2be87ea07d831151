import { getTransactionEncoder, type Address, type SignatureBytes } from '@solana/kit'
import { Reason, type ReasonCode } from '../../errors/reasons.js'
import { ChainUnavailableError } from '../../errors/tollgate-error.js'
import type { Settlement } from '../../methods/payment-method.js'
import { blockHeight, reaches, signatureStatus, simulate, type SolanaChain } from './solana-chain.js'
import { SolanaRpcError, SolanaUnreachableError } from './solana-rpc.js'
import { signatureText, type PaymentTransaction } from './wire-transaction.js'

/** What an unknown settlement keeps to be resolved later (stored by the gate, never shown). */
export interface SolanaResume {
  signature: string
  /** The block height past which the transaction can no longer land. */
  lastValidBlockHeight: number
}

/**
 * A load-balanced endpoint may answer from a node a little ahead of the one that simulated: the
 * bound on the payment's last valid height gets this many blocks of slack.
 */
const HEIGHT_SLACK = 20

const encoder = getTransactionEncoder()
/** JSON-RPC codes of a node that could not take any transaction (unhealthy, behind, internal error). */
const NODE_TROUBLE = new Set([-32005, -32603, -32016])

/**
 * Co-signs as fee payer, simulates once more (time has passed since verification), sends with
 * skipPreflight and polls the signature's status. Truth rules: "not charged" only when nothing
 * left (a refused connection, a simulation or a node refusing the transaction) or when the cluster
 * says the transaction failed; a lost answer or a confirmation timeout is unknown, with the
 * signature kept so the next presentation of the payment re-awaits it.
 */
export async function settleTransaction(chain: SolanaChain, tx: PaymentTransaction): Promise<Settlement> {
  const notCharged = (status: 402 | 503, reason: ReasonCode, detail: string, publicDetail?: string): Settlement => ({
    ok: false,
    status,
    reason,
    detail,
    broadcast: false,
    ...(publicDetail ? { publicDetail } : {}),
  })
  let signed: { wire: string; signature: string }
  try {
    signed = await coSign(chain, tx)
  } catch (error) {
    return notCharged(503, Reason.chainUnavailable, `the fee payer could not sign: ${error instanceof Error ? error.message : String(error)}`)
  }
  let bound: number
  try {
    const simulation = await simulate(chain, tx.wire)
    if (!simulation.ok) {
      return notCharged(402, Reason.svmSimulationFailed, simulation.detail, simulation.expired ? "the transaction's blockhash has expired; sign a new payment" : 'the transfer would fail on chain')
    }
    bound = chain.hints.lastValidHeightOf(tx.message.blockhash) ?? (await chain.hints.latest()).lastValidBlockHeight + HEIGHT_SLACK
  } catch (error) {
    if (error instanceof ChainUnavailableError) return notCharged(503, Reason.chainUnavailable, error.message)
    throw error
  }
  const resume = JSON.stringify({ signature: signed.signature, lastValidBlockHeight: bound } satisfies SolanaResume)
  const unknown = (detail: string): Settlement => ({ ok: false, status: 503, reason: Reason.settlementUnknown, detail, broadcast: true, transaction: signed.signature, resume })

  try {
    await chain.rpc('sendTransaction', [signed.wire, { encoding: 'base64', skipPreflight: true, preflightCommitment: chain.commitment }])
  } catch (error) {
    // The only copy signed by our fee payer went to this node: if it refused it, or the connection never opened, nothing left.
    if (error instanceof SolanaRpcError) {
      // A node that is behind or failing refused it for itself, not for the payment: retryable, 503.
      if (NODE_TROUBLE.has(error.rpcCode)) return notCharged(503, Reason.chainUnavailable, error.message)
      return notCharged(402, Reason.svmTransactionFailed, error.message, 'the cluster refused the transaction')
    }
    if (error instanceof SolanaUnreachableError && error.delivery === 'refused') return notCharged(503, Reason.chainUnavailable, error.message)
    if (!(error instanceof ChainUnavailableError)) throw error
    // Lost on the way back: it may be in. Waiting for its status below tells.
  }
  return awaitSignature(chain, signed.signature, unknown)
}

/** Polls until the signature reaches the seller's commitment, fails, or the wait is over (unknown). */
export async function awaitSignature(chain: SolanaChain, signature: string, unknown: (detail: string) => Settlement): Promise<Settlement> {
  const deadline = Date.now() + chain.confirmTimeoutMs
  let lastProblem = 'not confirmed in time'
  for (let attempt = 0; ; attempt++) {
    try {
      const status = await signatureStatus(chain, signature, false)
      if (status?.err) {
        return { ok: false, status: 402, reason: Reason.svmTransactionFailed, detail: `transaction ${signature} failed: ${JSON.stringify(status.err)}`, publicDetail: 'the transfer failed on chain; nothing was charged', broadcast: false, transaction: signature }
      }
      if (status && reaches(status, chain.commitment)) return { ok: true, transaction: signature }
    } catch (error) {
      if (!(error instanceof ChainUnavailableError || error instanceof SolanaRpcError)) throw error
      lastProblem = error.message
    }
    const pause = chain.pollIntervalsMs[Math.min(attempt, chain.pollIntervalsMs.length - 1)] ?? 1_000
    if (Date.now() + pause > deadline) return unknown(`transaction ${signature}: ${lastProblem}`)
    await chain.sleep(pause)
  }
}

/** The transaction with the fee payer's signature in slot 0, as base64, and its id (that signature, base58). */
export async function coSign(chain: SolanaChain, tx: PaymentTransaction): Promise<{ wire: string; signature: string }> {
  const ours = await chain.feePayer.sign(tx.messageBytes)
  const signers = tx.message.staticAccounts.slice(0, tx.message.numSigners) as Address[]
  const signatures = Object.fromEntries(signers.map((signer, i) => [signer, (i === 0 ? ours : tx.signatures[i]) as SignatureBytes | null]))
  const bytes = encoder.encode({ messageBytes: tx.messageBytes as never, signatures })
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return { wire: btoa(binary), signature: signatureText(ours) }
}

export { blockHeight }
