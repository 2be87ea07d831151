import type { Logger } from '../logger.js'
import type { ReceiptChange } from './receipt.js'
import { ReceiptRejectedError, type ReceiptStore } from './receipt-store.js'

export interface OutboxOptions {
  /** Changes kept while the store is unreachable (default 10 000); past it, new ones are dropped with an error log. */
  capacity?: number
  /** First retry delay after a failed write (default 100 ms), doubled up to `maxRetryDelayMs` (default 5000 ms). */
  retryDelayMs?: number
  maxRetryDelayMs?: number
  logger?: Logger
}

export interface Outbox {
  /** Queues a change and returns at once: the buyer's answer never waits for the ledger. */
  push(change: ReceiptChange): void
  /** Changes not yet written. */
  pending(): number
  /** Changes dropped because the outbox was full or closed, or refused by the store as invalid. */
  dropped(): number
  /** Retries now and waits until every queued change is written or `timeoutMs` passes; resolves with what is still pending. */
  flush(timeoutMs?: number): Promise<number>
  /** Flushes (default 5000 ms), then refuses new changes; what is still pending is logged in full and dropped. */
  close(timeoutMs?: number): Promise<number>
}

const DEFAULT_CAPACITY = 10_000

/**
 * A bounded, in-memory, per-process queue in front of a ReceiptStore: one write at a time, in the
 * order the gate reported them (a credential link follows its purchase's receipt), retried with
 * backoff while the store is down. A crash loses what it still holds: reconciliation against the
 * chain finds those payments. When full, the newest change is dropped (the queue keeps its order)
 * and logged in full at error level, so the log still holds the receipt.
 */
export function createOutbox(store: ReceiptStore, options: OutboxOptions = {}): Outbox {
  const capacity = options.capacity ?? DEFAULT_CAPACITY
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('tollgate: receipts outbox capacity must be a positive integer')
  const firstDelay = options.retryDelayMs ?? 100
  const maxDelay = options.maxRetryDelayMs ?? 5000
  const logger = options.logger ?? {}
  const queue: ReceiptChange[] = []
  let droppedCount = 0
  let closed = false
  let writing = false
  let delay = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let outageSince: number | undefined
  let waiters: Array<() => void> = []

  const lose = (change: ReceiptChange, why: string, error?: unknown) => {
    droppedCount++
    logger.error?.(`tollgate: receipt dropped (${why})`, { change, ...(error !== undefined ? { error: String(error) } : {}) })
  }

  const settleWaiters = () => {
    if (queue.length > 0) return
    const ready = waiters
    waiters = []
    for (const wake of ready) wake()
  }

  const write = (change: ReceiptChange) => (change.kind === 'receipt' ? store.record(change.receipt) : store.linkCredential(change.link))

  const drain = async () => {
    if (writing) return
    writing = true
    try {
      while (queue.length > 0) {
        const head = queue[0]!
        try {
          await write(head)
        } catch (error) {
          if (error instanceof ReceiptRejectedError) {
            queue.shift()
            lose(head, 'the store refused it', error)
            continue
          }
          if (outageSince === undefined) {
            outageSince = Date.now()
            logger.error?.('tollgate: receipts store unavailable, keeping receipts in the outbox', { pending: queue.length, error: String(error) })
          }
          delay = delay === 0 ? firstDelay : Math.min(delay * 2, maxDelay)
          timer = setTimeout(() => {
            timer = undefined
            void drain()
          }, delay)
          // A library timer must not keep the process alive; close() is the shutdown path.
          timer.unref?.()
          return
        }
        queue.shift()
        if (outageSince !== undefined) {
          logger.warn?.('tollgate: receipts store reachable again, draining the outbox', { pending: queue.length })
          outageSince = undefined
        }
        delay = 0
      }
    } finally {
      writing = false
      settleWaiters()
    }
  }

  const retryNow = () => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    void drain()
  }

  const flush = (timeoutMs = 5000): Promise<number> => {
    if (queue.length === 0) return Promise.resolve(0)
    return new Promise((resolve) => {
      let done = false
      const finish = () => {
        if (done) return
        done = true
        clearTimeout(deadline)
        resolve(queue.length)
      }
      const deadline = setTimeout(finish, timeoutMs)
      waiters.push(finish)
      retryNow()
    })
  }

  return {
    push(change) {
      if (closed) return lose(change, 'the receipts outbox is closed')
      if (queue.length >= capacity) return lose(change, `the receipts outbox is full (${capacity})`)
      queue.push(change)
      if (timer === undefined) void drain()
    },
    pending: () => queue.length,
    dropped: () => droppedCount,
    flush,
    async close(timeoutMs = 5000) {
      closed = true
      const left = await flush(timeoutMs)
      if (timer !== undefined) clearTimeout(timer)
      for (const change of queue.splice(0)) lose(change, 'closed before the store accepted it')
      return left
    },
  }
}
