import type { Address, Hex } from 'viem'
import type { Logger } from '../../../logger.js'
import type { ChainRpc, Fees, MinedReceipt } from './chain-rpc.js'
import type { SendAnswer } from './rpc-errors.js'

/** One signed copy of a tracked transaction: the first send or a fee-bumped replacement. */
export interface SentCopy {
  hash: Hex
  raw: Hex
  fees: Fees
  at: number
  /** The node refused this copy outright: it is not in, and is not the one to re-send or report. */
  refused?: boolean
}

/** How a tracked transaction ended: one of its copies was mined, or its nonce went to a transaction not ours. */
export type PendingFate = { kind: 'mined'; receipt: MinedReceipt } | { kind: 'dead'; detail: string }

/** What the ledger needs to watch, re-send and replace one transaction. */
export interface PendingSource {
  from: Address
  nonce: number
  rpc: ChainRpc
  /** Signs the same call at the same nonce with other fees. */
  sign(fees: Fees): Promise<SentCopy>
  pollingIntervalMs: number
  replaceAfterMs: number
  logger: Logger
  /** The node refused a copy because the settler cannot pay its gas. */
  onNoGas(detail: string): void
}

/** Enough to outbid a stuck fee market several times over without paying without bound. */
const MAX_REPLACEMENTS = 5
const MAX_BACKOFF_MS = 5_000
const FINISHED_MEMORY = 1_000

export class TrackedTx {
  readonly copies: SentCopy[]
  replacements = 0
  lastRepairAt: number
  lastReplaceAttemptAt = 0
  lastTriedFees: Fees
  /** The first send has not been answered: nothing may be concluded from the node not knowing it. */
  sending = true
  finished = false
  readonly fate: Promise<PendingFate>
  resolve: (fate: PendingFate) => void = () => undefined

  constructor(
    readonly source: PendingSource,
    first: SentCopy,
  ) {
    this.copies = [first]
    this.lastRepairAt = first.at
    this.lastTriedFees = first.fees
    this.fate = new Promise((resolve) => {
      this.resolve = resolve
    })
  }

  /** The copy most likely to be mined: the last one the node did not refuse. */
  get newest(): SentCopy {
    return [...this.copies].reverse().find((c) => !c.refused) ?? this.copies[0]!
  }
}

/**
 * The settler account's transactions that left and are not mined yet, per chain. One loop per
 * account watches them all, whether or not a settlement still waits for them:
 *  - a copy mined ends the transaction (whichever copy: all carry the same transfer at the same nonce);
 *  - a transaction the node no longer knows (evicted, node restarted) is re-sent as the same signed
 *    bytes while its nonce is free, so a drop at nonce N never leaves N+1… stuck behind a gap;
 *  - one not mined after `replaceAfterMs` is replaced at the same nonce with fees raised >= 12.5%;
 *  - one whose nonce the chain spent on a transaction not ours can never be mined: it is dead.
 * It only ever sends copies of transactions already sent, so nothing is charged twice: the
 * authorization's own nonce lets at most one of them transfer.
 */
export class PendingLedger {
  private readonly tracked = new Set<TrackedTx>()
  private readonly finished = new Map<Hex, number>()
  private running = false

  /** `onDead` hears of a nonce spent elsewhere: the local nonce count is stale. */
  constructor(private readonly onDead: () => void) {}

  track(source: PendingSource, first: SentCopy): TrackedTx {
    const tx = new TrackedTx(source, first)
    this.tracked.add(tx)
    this.ensureLoop()
    return tx
  }

  /** The first send was refused and the node does not know the transaction: it never left. */
  forget(tx: TrackedTx): void {
    tx.finished = true
    this.tracked.delete(tx)
  }

  highestNonce(): number | undefined {
    let highest: number | undefined
    for (const tx of this.tracked) if (highest === undefined || tx.source.nonce > highest) highest = tx.source.nonce
    return highest
  }

  /** The account nonce a transaction of ours was sent at, while it is tracked or recently ended. */
  nonceOf(hash: Hex): number | undefined {
    for (const tx of this.tracked) if (tx.copies.some((c) => c.hash === hash)) return tx.source.nonce
    return this.finished.get(hash)
  }

  /** Whether the transaction is still watched (and may still be re-sent or replaced). */
  isPending(hash: Hex): boolean {
    for (const tx of this.tracked) if (tx.copies.some((c) => c.hash === hash)) return true
    return false
  }

  /** The chain's pending count is below tracked nonces: look at those at once, not at the next repair. */
  repairSoon(fromNonce: number): void {
    for (const tx of this.tracked) if (tx.source.nonce >= fromNonce) tx.lastRepairAt = 0
  }

  /** A receipt check right after a send: chains that include at once have it already. */
  async poke(tx: TrackedTx): Promise<void> {
    const receipt = await this.findReceipt(tx).catch(() => null)
    if (receipt) this.finish(tx, { kind: 'mined', receipt })
  }

  private ensureLoop(): void {
    if (this.running) return
    this.running = true
    void this.loop()
  }

  private async loop(): Promise<void> {
    let backoff = 0
    try {
      while (this.tracked.size > 0) {
        const interval = Math.min(...[...this.tracked].map((tx) => tx.source.pollingIntervalMs))
        await sleep(backoff || interval)
        const failed = await Promise.all([...this.tracked].map((tx) => this.tick(tx).then(() => false, () => true)))
        backoff = failed.some(Boolean) ? Math.min(Math.max(backoff * 2, interval * 2), MAX_BACKOFF_MS) : 0
      }
    } finally {
      this.running = false
      if (this.tracked.size > 0) this.ensureLoop()
    }
  }

  private async tick(tx: TrackedTx): Promise<void> {
    if (tx.finished) return
    const receipt = await this.findReceipt(tx)
    if (receipt) return this.finish(tx, { kind: 'mined', receipt })
    if (tx.sending) return
    const { source } = tx
    const now = Date.now()
    if (now - tx.lastRepairAt >= Math.max(4 * source.pollingIntervalMs, 1_000)) {
      tx.lastRepairAt = now
      const known = await Promise.all(tx.copies.map((c) => source.rpc.knows(c.hash)))
      if (!known.some(Boolean)) {
        // Count first, receipts second: a copy mined in between shows in the receipts.
        const mined = await source.rpc.minedNonce(source.from)
        if (mined > source.nonce) {
          const late = await this.findReceipt(tx)
          if (late) return this.finish(tx, { kind: 'mined', receipt: late })
          return this.finish(tx, { kind: 'dead', detail: `nonce ${source.nonce} was spent by a transaction not ours; none of ${tx.copies.map((c) => c.hash).join(', ')} can be mined` })
        }
        source.logger.warn?.('tollgate: the node lost a settlement transaction; sending it again', { nonce: source.nonce, transaction: tx.newest.hash })
        this.note(tx, await source.rpc.sendRaw(tx.newest.raw))
      }
    }
    if (now - Math.max(tx.newest.at, tx.lastReplaceAttemptAt) >= source.replaceAfterMs && tx.replacements < MAX_REPLACEMENTS) {
      await this.replace(tx, now)
    }
  }

  private async replace(tx: TrackedTx, now: number): Promise<void> {
    tx.lastReplaceAttemptAt = now
    tx.replacements++
    const fees = bumpFees(tx.lastTriedFees, await tx.source.rpc.currentFees())
    tx.lastTriedFees = fees
    const copy = await tx.source.sign(fees)
    // Recorded before it leaves: if the answer is lost, this copy may be the one that gets mined.
    tx.copies.push(copy)
    const answer = await tx.source.rpc.sendRaw(copy.raw)
    if (answer.kind === 'refused' || answer.kind === 'conflict') copy.refused = true
    this.note(tx, answer)
    tx.source.logger.info?.('tollgate: settlement transaction not mined in time; replaced with higher fees', {
      nonce: tx.source.nonce,
      replaced: tx.copies[tx.copies.length - 2]?.hash,
      transaction: copy.hash,
      answer: answer.kind,
      maxFeePerGas: fees.maxFeePerGas.toString(),
    })
  }

  private note(tx: TrackedTx, answer: SendAnswer): void {
    if (answer.kind === 'refused' && answer.gas) tx.source.onNoGas(answer.detail)
  }

  private async findReceipt(tx: TrackedTx): Promise<MinedReceipt | null> {
    const receipts = await Promise.all(tx.copies.map((c) => tx.source.rpc.receipt(c.hash)))
    return receipts.find((r) => r !== null) ?? null
  }

  private finish(tx: TrackedTx, fate: PendingFate): void {
    if (tx.finished) return
    tx.finished = true
    this.tracked.delete(tx)
    for (const copy of tx.copies) this.finished.set(copy.hash, tx.source.nonce)
    while (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value as Hex)
    if (fate.kind === 'dead') this.onDead()
    tx.resolve(fate)
  }
}

/** Both fee fields up by at least 12.5% (what nodes demand of a replacement), and never below the market. */
export function bumpFees(previous: Fees, market: Fees): Fees {
  const up = (fee: bigint) => fee + (fee + 7n) / 8n + 1n
  const maxPriorityFeePerGas = max(up(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas)
  const maxFeePerGas = max(up(previous.maxFeePerGas), market.maxFeePerGas, maxPriorityFeePerGas)
  return { maxFeePerGas, maxPriorityFeePerGas }
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
