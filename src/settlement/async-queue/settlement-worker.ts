import { redactUrls } from '../../errors/redact.js'
import type { GateEvents } from '../../hooks/gate-events.js'
import type { Logger } from '../../logger.js'
import type { PaymentMethod, Settlement } from '../../methods/payment-method.js'
import type { Store } from '../../stores/store.js'
import { PendingLedger } from '../pending-ledger.js'
import type { PendingSettlement } from '../pending-record.js'
import type { QueuedSettlement } from './queued-settlement.js'
import type { Delivery, SettlementQueue } from './settlement-queue.js'
import { releaseUnsettled } from './unsettled-cap.js'

export interface WorkerParts {
  queue: SettlementQueue
  /** The seller's (bounded) store: job locks, done marks, pending records, the unsettled-value counters. */
  store: Store
  method(id: string): PaymentMethod | undefined
  events(route: string): GateEvents
  logger: Logger
  clock: () => number
  consumer: string
  concurrency: number
  pollIntervalMs: number
  /** How long one worker holds a job's lock; past it (the worker died) another may take the job. */
  leaseMs: number
  maxAttempts: number
}

/** What one attempt concluded. */
type Step = { kind: 'settled'; transaction: string } | { kind: 'failed'; reason: string; status: number; detail: string } | { kind: 'again'; detail: string }

const DONE_MS = 24 * 60 * 60_000
const MAX_BACKOFF_MS = 30_000

/**
 * Settles queued payments under the settlement-truth rules:
 *  - a job's first attempt settles; a job whose earlier attempt left a transaction of unknown fate
 *    (a pending record) is resolved from the chain first, and sent again only when the chain
 *    proves that transaction can never transfer;
 *  - a send refused before it left (chain unreachable, settler dry) is tried again later;
 *  - a payment the chain refuses (the buyer moved the funds, cancelled the authorization, let it
 *    expire) is checked once more on chain (someone may have submitted it for us) before it is
 *    written off as served unpaid.
 * The token's authorization nonce lets at most one transaction transfer, so a job taken twice
 * (a worker died mid-send) never charges twice; a lock per payment keeps two workers off it.
 */
export class SettlementWorker {
  private running = false
  private timer: NodeJS.Timeout | undefined
  private readonly busy = new Set<string>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly ledger: PendingLedger
  private stopping = false
  private loop: Promise<void> | undefined

  constructor(private readonly parts: WorkerParts) {
    this.ledger = new PendingLedger(parts.store, parts.logger)
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.stopping = false
    this.schedule(0)
  }

  /** Stops taking jobs and waits for those in progress (unfinished ones stay queued for another worker). */
  async stop(): Promise<void> {
    this.stopping = true
    this.running = false
    clearTimeout(this.timer)
    await this.loop
    await Promise.all([...this.inFlight])
  }

  /** Jobs this worker is settling now. */
  get inProgress(): number {
    return this.busy.size
  }

  private schedule(ms: number): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => this.schedule(this.parts.pollIntervalMs))
    }, ms)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    const room = this.parts.concurrency - this.busy.size
    if (room <= 0 || this.stopping) return
    let deliveries: Delivery[]
    try {
      deliveries = await this.parts.queue.take(this.parts.consumer, room)
    } catch (error) {
      this.parts.logger.warn?.('tollgate: the settlement queue could not be read; trying again', { error: redactUrls(String(error)) })
      return
    }
    if (deliveries.length > 0) this.parts.logger.debug?.('tollgate: settling queued payments', { count: deliveries.length, redelivered: deliveries.filter((d) => d.redelivered).length })
    for (const delivery of deliveries) {
      if (this.busy.has(delivery.id)) continue
      this.busy.add(delivery.id)
      const work = this.process(delivery).finally(() => {
        this.busy.delete(delivery.id)
        this.inFlight.delete(work)
      })
      this.inFlight.add(work)
    }
  }

  private async process(delivery: Delivery): Promise<void> {
    const { job } = delivery
    const { store, logger } = this.parts
    const lock = `async-lock:${job.paymentKey}`
    try {
      if ((await store.get(`async-done:${job.paymentKey}`)) !== null) return await this.parts.queue.done(delivery)
      if ((job.notBefore ?? 0) > this.parts.clock()) return await this.parts.queue.retry(delivery, job)
      if (!(await store.claim(lock, this.parts.leaseMs))) {
        // Another worker holds it (or held it and died: its lock lapses after leaseMs).
        return await this.parts.queue.retry(delivery, { ...job, notBefore: this.parts.clock() + Math.min(this.parts.leaseMs, MAX_BACKOFF_MS) })
      }
    } catch (error) {
      logger.warn?.('tollgate: a queued settlement could not be started; it stays queued', { error: redactUrls(String(error)), paymentKey: job.paymentKey })
      return
    }
    if (!this.parts.method(job.method)) {
      // Queued by an instance with another configuration: leave it for one that knows the method, never drop it.
      logger.warn?.('tollgate: a queued settlement names a payment method this process does not have; leaving it queued', { method: job.method, paymentKey: job.paymentKey })
      await store.release(lock).catch(() => undefined)
      return this.parts.queue.retry(delivery, { ...job, notBefore: this.parts.clock() + MAX_BACKOFF_MS }).catch(() => undefined)
    }
    try {
      const step = await this.attempt(job).catch((error: unknown): Step => ({ kind: 'again', detail: `settlement threw: ${String(error)}` }))
      await this.conclude(delivery, step)
    } catch (error) {
      logger.warn?.('tollgate: a queued settlement could not be recorded; it stays queued', { error: redactUrls(String(error)), paymentKey: job.paymentKey })
    } finally {
      await store.release(lock).catch(() => undefined)
    }
  }

  private async attempt(job: QueuedSettlement): Promise<Step> {
    const method = this.parts.method(job.method)
    if (!method) return { kind: 'again', detail: `payment method ${job.method} is not configured in this process` }
    const inspected = method.inspect(job.envelope, this.parts.clock())
    if (inspected.kind !== 'match') return { kind: 'failed', reason: 'invalid_payload', status: 200, detail: `the queued payment no longer reads as ${job.method}` }
    const proof = inspected.proof
    const found = await this.ledger.find(job.keys)
    if (found?.pending.transaction) {
      // An earlier attempt sent a transaction of unknown fate: the chain decides before anything is sent again.
      const verdict = await this.resolve(method, proof, job, found.pending)
      if (verdict.kind !== 'open') return verdict
      await this.ledger.close(found.pending)
    }
    const settlement = await method.settle(proof, job.requirement)
    return this.read(method, proof, job, settlement)
  }

  private async read(method: PaymentMethod, proof: unknown, job: QueuedSettlement, settlement: Settlement): Promise<Step> {
    if (settlement.ok) return { kind: 'settled', transaction: settlement.transaction }
    const detail = redactUrls(settlement.detail)
    if (settlement.broadcast) {
      // A transaction may carry it: remember it, and resolve from the chain on the next attempt.
      await this.ledger.record(this.pendingOf(job, settlement.transaction, settlement.resume))
      return { kind: 'again', detail }
    }
    // Refused before anything left: a passing fault (chain unreachable, settler dry) is tried again.
    if (settlement.status !== 402) return { kind: 'again', detail }
    // The chain refuses the payment: unless it was used to pay us after all, the buyer was served unpaid.
    const verdict = await this.resolve(method, proof, job, this.pendingOf(job))
    if (verdict.kind === 'settled') return verdict
    return { kind: 'failed', reason: settlement.reason, status: settlement.status, detail }
  }

  private async resolve(method: PaymentMethod, proof: unknown, job: QueuedSettlement, pending: PendingSettlement): Promise<Step | { kind: 'open' }> {
    if (!method.resolve) return { kind: 'again', detail: `payment method ${job.method} cannot resolve an unknown settlement` }
    const resolution = await method.resolve(proof, job.envelope, job.requirement, pending, this.parts.clock())
    switch (resolution.state) {
      case 'settled':
        return { kind: 'settled', transaction: resolution.transaction }
      case 'failed':
        return resolution.reusable ? { kind: 'open' } : { kind: 'failed', reason: resolution.reason, status: 402, detail: resolution.detail }
      case 'unknown':
        return { kind: 'again', detail: resolution.detail }
    }
  }

  private pendingOf(job: QueuedSettlement, transaction?: string, resume?: string): PendingSettlement {
    return {
      state: 'pending',
      method: job.method,
      keys: job.keys,
      network: job.network,
      payer: job.payer,
      ...(transaction ? { transaction } : {}),
      ...(resume !== undefined ? { resume } : {}),
      at: this.parts.clock(),
    }
  }

  private async conclude(delivery: Delivery, step: Step): Promise<void> {
    const { job } = delivery
    const { store, logger, queue } = this.parts
    const events = this.parts.events(job.route)
    const about = {
      payer: job.payer,
      payTo: job.payTo,
      paymentKey: job.paymentKey,
      amount: job.amount,
      asset: job.asset,
      network: job.network,
      networkName: job.networkName,
      x402Version: job.x402Version,
      scheme: job.scheme,
      latencyMs: Math.max(0, this.parts.clock() - job.receivedAt),
    }
    if (step.kind === 'again' && job.attempt + 1 < this.parts.maxAttempts) {
      const attempt = job.attempt + 1
      const backoff = Math.min(1_000 * 2 ** Math.min(job.attempt, 5), MAX_BACKOFF_MS)
      logger.warn?.('tollgate: a queued settlement is not done yet; trying again', { paymentKey: job.paymentKey, attempt, detail: step.detail })
      return queue.retry(delivery, { ...job, attempt, notBefore: this.parts.clock() + backoff })
    }
    await store.put(`async-done:${job.paymentKey}`, step.kind, DONE_MS)
    if (step.kind === 'settled') {
      const found = await this.ledger.find(job.keys).catch(() => null)
      if (found) await this.ledger.close(found.pending)
      if (job.capKey) await releaseUnsettled(store, job.capKey, job.amount).catch(() => undefined)
      logger.info?.('tollgate: queued payment settled', { transaction: step.transaction, payer: job.payer, amount: job.amount, network: job.network })
      events.settled({ ...about, transaction: step.transaction, resumed: false })
    } else {
      // The content was served: this is the seller's loss, bounded by the payer's unsettled cap (which stays taken).
      const unknown = step.kind === 'again'
      logger.error?.(unknown ? 'tollgate: a queued settlement is still unknown after every attempt' : 'tollgate: a payment served before settlement was never paid', {
        paymentKey: job.paymentKey,
        payer: job.payer,
        amount: job.amount,
        detail: step.detail,
      })
      events.settlementFailed({
        ...about,
        state: unknown ? 'unknown' : 'failed',
        reason: step.kind === 'failed' ? step.reason : 'settlement_unknown',
        // What the buyer got: the content, before settlement.
        status: 200,
      })
    }
    await queue.done(delivery)
  }
}
