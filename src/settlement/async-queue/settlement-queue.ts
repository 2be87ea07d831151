import type { QueuedSettlement } from './queued-settlement.js'

/** One job handed to a worker. `redelivered`: an earlier taker may have started it (it crashed or stalled). */
export interface Delivery {
  id: string
  job: QueuedSettlement
  redelivered: boolean
}

/**
 * Where payments served before settlement wait for it. At-least-once: a job taken and not finished
 * (the worker's process died) is handed out again after `claimIdleMs`, marked `redelivered`, so
 * the worker resolves it from the chain before anything is sent again.
 */
export interface SettlementQueue {
  readonly kind: 'memory' | 'redis'
  /** Durably adds a job; throws when the queue cannot take it (the payment then settles at once). */
  add(job: QueuedSettlement): Promise<void>
  /** Up to `count` jobs due now: new ones first, then ones abandoned by a dead worker. */
  take(consumer: string, count: number): Promise<Delivery[]>
  /** The job is finished (settled, or failed for good). */
  done(delivery: Delivery): Promise<void>
  /** Puts the job back, updated (attempt, notBefore), in one atomic step with finishing this delivery. */
  retry(delivery: Delivery, job: QueuedSettlement): Promise<void>
  /** Jobs waiting or in progress. */
  depth(): Promise<number>
  close?(): Promise<void>
}
