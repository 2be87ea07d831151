import { keccak256, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import type { AuthorizationOutcome } from '../../../facilitator/settlement-check.js'
import type { Logger } from '../../../logger.js'
import type { ChainRpc, Fees } from './chain-rpc.js'
import type { TransferOutcome } from './evm-chain.js'
import type { PendingFate, PendingSource, SentCopy, TrackedTx } from './pending-ledger.js'
import { errorDetail, type SendAnswer } from './rpc-errors.js'
import type { SettlerAccount } from './settler-account.js'

/**
 * When may a settlement say nothing was broadcast (so the buyer's claim is released and they
 * are told "nothing was charged")? Only when the chain proves that no transaction of ours
 * carrying this authorization can ever be mined:
 *
 *  1. Refused before it left. The node answered our one send (the transport never retries) with a
 *     refusal of the transaction itself (insufficient funds, intrinsic gas too low, fee below the
 *     base fee, …) AND a lookup by hash right after shows the node does not hold it. The refusal
 *     covers our copy; the lookup covers a copy an intermediary (a load balancer, a provider's own
 *     retry) may have delivered first.
 *  2. Dead. No copy (original, re-send, replacement: all share one account nonce) is known to the
 *     node or has a receipt, while the account's mined nonce count has moved past that nonce: it
 *     went to a transaction not ours, so none of ours can be included any more. The reads go count
 *     first, receipts second, authorization state last, so a copy mined in between is seen.
 *     The authorization still unused then proves nothing was charged; being open, it is sent once
 *     more at a fresh nonce before giving up.
 *
 * The authorization used on chain (AuthorizationUsed names the transaction) means the seller was
 * paid: settled, whichever transaction did it. Anything else (a lost answer, a timeout, "already
 * known", "nonce too low", "replacement transaction underpriced", an answer we cannot read) leaves a
 * transaction possibly in flight: unknown, `broadcast: true` with the newest hash, and the ledger
 * keeps watching, re-sending and replacing it until it is mined or dead.
 */

export interface SubmitContext {
  rpc: ChainRpc
  account: PrivateKeyAccount
  settler: SettlerAccount
  chainId: number
  receiptTimeoutMs: number
  pollingIntervalMs: number
  replaceAfterMs: number
  logger: Logger
  onNoGas(detail: string): void
  /** Read-only: the authorization's fate on chain. */
  check(): Promise<AuthorizationOutcome>
}

export interface TransferCall {
  to: Address
  data: Hex
  gas: bigint
  fees: Fees
}

type Sent = { kind: 'sent'; tx: TrackedTx } | { kind: 'not-sent'; outcome: TransferOutcome }

export async function submitTransfer(context: SubmitContext, call: TransferCall): Promise<TransferOutcome> {
  const deadline = Date.now() + context.receiptTimeoutMs
  for (let attempt = 0; ; attempt++) {
    const sent = await send(context, call)
    if (sent.kind === 'not-sent') return sent.outcome
    const fate = await waitFor(context, sent.tx, deadline)
    const outcome = await judge(context, sent.tx, fate)
    if (outcome !== 'open') return outcome
    if (attempt > 0 || Date.now() >= deadline) {
      return { ok: false, stage: 'unavailable', broadcast: false, detail: `${fate?.kind === 'dead' ? fate.detail : 'not mined'}; the authorization is unused` }
    }
    context.logger.warn?.('tollgate: settlement transaction can never be mined; sending the transfer again at a new nonce', {
      transaction: sent.tx.newest.hash,
    })
  }
}

async function send(context: SubmitContext, call: TransferCall): Promise<Sent> {
  const { rpc, account, settler } = context
  let tx: TrackedTx | undefined
  let answer: SendAnswer
  try {
    answer = await settler.sequencer.run(
      () => nextNonce(context),
      async (nonce) => {
        const source = pendingSource(context, call, nonce)
        tx = settler.ledger.track(source, await source.sign(call.fees))
        const first = await rpc.sendRaw(tx.newest.raw)
        const refusal = first.kind === 'refused' ? await confirmRefusal(rpc, tx.newest.hash) : undefined
        if (refusal === 'never-seen') {
          settler.ledger.forget(tx)
          throw new Refused(first as Extract<SendAnswer, { kind: 'refused' }>)
        }
        tx.sending = false
        return first
      },
    )
  } catch (error) {
    if (error instanceof Refused) {
      const { gas, detail } = error.answer
      if (gas) {
        context.onNoGas(detail)
        return { kind: 'not-sent', outcome: { ok: false, stage: 'insufficient-gas', detail } }
      }
      return { kind: 'not-sent', outcome: { ok: false, stage: 'unavailable', broadcast: false, detail: `the node refused the transaction: ${detail}` } }
    }
    if (tx) throw error
    // The nonce could not be read: nothing was signed or sent.
    return { kind: 'not-sent', outcome: { ok: false, stage: 'unavailable', broadcast: false, detail: errorDetail(error) } }
  }
  if (answer.kind === 'refused' && answer.gas) context.onNoGas(answer.detail)
  if (answer.kind === 'conflict') {
    // Our count of the account's nonces was wrong (another sender, a dropped transaction): ask the
    // chain next time, and let the ledger look at this one now rather than at its next repair.
    settler.sequencer.reset()
    tx!.lastRepairAt = 0
  }
  if (answer.kind !== 'accepted') {
    context.logger.warn?.('tollgate: settlement send not plainly accepted; following it on chain', { answer: answer.kind, detail: answer.detail, transaction: tx!.newest.hash })
  }
  return { kind: 'sent', tx: tx! }
}

/**
 * The next nonce: the chain's pending count, but never one a tracked transaction holds. A tracked
 * one above the chain's count was lost by the node; the ledger re-sends it, filling the gap.
 */
async function nextNonce(context: SubmitContext): Promise<number> {
  const { ledger } = context.settler
  const pending = await context.rpc.pendingNonce(context.account.address)
  const highest = ledger.highestNonce()
  if (highest === undefined || highest < pending) return pending
  ledger.repairSoon(pending)
  return highest + 1
}

function pendingSource(context: SubmitContext, call: TransferCall, nonce: number): PendingSource {
  const { account, chainId } = context
  return {
    from: account.address,
    nonce,
    rpc: context.rpc,
    pollingIntervalMs: context.pollingIntervalMs,
    replaceAfterMs: context.replaceAfterMs,
    logger: context.logger,
    onNoGas: context.onNoGas,
    async sign(fees: Fees): Promise<SentCopy> {
      const raw = await account.signTransaction({ chainId, type: 'eip1559', to: call.to, data: call.data, nonce, gas: call.gas, ...fees })
      return { hash: keccak256(raw), raw, fees, at: Date.now() }
    },
  }
}

/** Rule 1's lookup. Undefined when the node could not be asked: then it is not proven. */
async function confirmRefusal(rpc: ChainRpc, hash: Hex): Promise<'never-seen' | 'seen' | undefined> {
  try {
    return (await rpc.knows(hash)) ? 'seen' : 'never-seen'
  } catch {
    return undefined
  }
}

/** The transaction's fate, or undefined at the deadline (it may still be mined later). */
async function waitFor(context: SubmitContext, tx: TrackedTx, deadline: number): Promise<PendingFate | undefined> {
  await context.settler.ledger.poke(tx)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([tx.fate, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** What the fate and the chain say; 'open' when our transaction provably never transferred. */
async function judge(context: SubmitContext, tx: TrackedTx, fate: PendingFate | undefined): Promise<TransferOutcome | 'open'> {
  if (fate?.kind === 'mined' && fate.receipt.success) return { ok: true, transaction: fate.receipt.hash }
  const chain = await context.check()
  if (chain.state === 'settled') return { ok: true, transaction: chain.transaction }
  if (fate?.kind === 'mined') {
    return { ok: false, stage: 'reverted', detail: `transaction ${fate.receipt.hash} reverted`, transaction: fate.receipt.hash }
  }
  if (chain.state === 'canceled') {
    return { ok: false, stage: 'simulation', reverted: true, detail: 'the authorization was canceled by the payer before it settled' }
  }
  if (fate?.kind === 'dead' && chain.state === 'open') return 'open'
  const why = fate?.kind === 'dead' ? `${fate.detail}; the authorization state could not be read: ${chain.state === 'unknown' ? chain.detail : chain.state}` : 'no receipt in time'
  return { ok: false, stage: 'unavailable', broadcast: true, detail: why, transaction: tx.newest.hash }
}

class Refused extends Error {
  constructor(readonly answer: Extract<SendAnswer, { kind: 'refused' }>) {
    super(answer.detail)
  }
}
