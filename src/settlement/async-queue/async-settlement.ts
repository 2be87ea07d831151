import { ConfigurationError } from '../../errors/tollgate-error.js'
import type { GateEvents } from '../../hooks/gate-events.js'
import type { Logger } from '../../logger.js'
import type { PaymentMethod } from '../../methods/payment-method.js'
import type { Store } from '../../stores/store.js'
import type { QueuedSettlement } from './queued-settlement.js'
import type { SettlementQueue } from './settlement-queue.js'
import { SettlementWorker } from './settlement-worker.js'
import { capKeyOf, reserveUnsettled } from './unsettled-cap.js'

export interface AsyncSettlementOptions {
  /** Where served payments wait for settlement: `redisSettlementQueue({ client })` (durable, shared) or `memorySettlementQueue()`. */
  queue: SettlementQueue
  /**
   * Most value one payer may have been served and not yet settled, per network and token, in the
   * token's atomic units (bigint or decimal string; default 1000000, i.e. 1.00 of a 6-decimal
   * token such as USDC). A payment past it settles before it is served, as after-handler does.
   * This is the seller's risk: the buyer can move its funds before the queued settlement lands.
   */
  maxUnsettledPerPayer?: bigint | string
  /** Whether this process settles queued payments (default true); false: it only queues them, for a separate worker tier. */
  worker?: boolean
  /** Settlements one process runs at once (default 16). */
  concurrency?: number
  /** How often an idle worker looks for jobs (default 100 ms). */
  pollIntervalMs?: number
  /** How long a worker holds one payment's lock; a dead worker's jobs are taken over after it (default 5 min). */
  leaseMs?: number
  /** Attempts before a settlement left unknown is reported and dropped (default 100; backoff up to 30 s). */
  maxAttempts?: number
}

/** What createTollgate needs: the checked options, built into the running parts once the store and hooks are known. */
export interface AsyncSettlementSetup {
  readonly kind: 'async-settlement'
  create(parts: { store: Store; logger: Logger; clock: () => number; events(route: string): GateEvents }): AsyncSettler
}

/** The running async settlement of one tollgate: the gates queue into it, its worker settles. */
export interface AsyncSettler {
  readonly queue: SettlementQueue
  readonly limit: bigint
  /** Makes a route's methods known to the worker (queued jobs name their method by id). */
  register(methods: readonly PaymentMethod[]): void
  /**
   * Takes the payer's unsettled allowance and queues the job; false when the payer is at its cap
   * or the queue cannot take it (the payment then settles before it is served). Never throws.
   */
  enqueue(job: Omit<QueuedSettlement, 'capKey' | 'attempt'>, method: PaymentMethod): Promise<boolean>
  /** Settlements waiting or in progress in the queue. */
  depth(): Promise<number>
  start(): void
  stop(): Promise<void>
}

export function asyncSettlement(options: AsyncSettlementOptions): AsyncSettlementSetup {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) throw new ConfigurationError(['asyncSettlement needs { queue }'])
  const queue = options.queue
  if (typeof queue !== 'object' || queue === null || typeof queue.add !== 'function' || typeof queue.take !== 'function') {
    problems.push('asyncSettlement: queue must be redisSettlementQueue({ client }) or memorySettlementQueue()')
  }
  let limit = 1_000_000n
  const cap: unknown = options.maxUnsettledPerPayer
  if (typeof cap === 'bigint' && cap >= 0n) limit = cap
  else if (typeof cap === 'string' && /^\d{1,16}$/.test(cap)) limit = BigInt(cap)
  else if (cap !== undefined) problems.push('asyncSettlement: maxUnsettledPerPayer must be a non-negative amount of atomic units (bigint or decimal string)')
  if (limit > BigInt(Number.MAX_SAFE_INTEGER)) problems.push('asyncSettlement: maxUnsettledPerPayer must be at most 2^53 - 1 atomic units')
  const integer = (name: keyof AsyncSettlementOptions, fallback: number, min: number): number => {
    const value: unknown = options[name]
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`asyncSettlement: ${name} must be an integer of at least ${min}`)
      return fallback
    }
    return value
  }
  const concurrency = integer('concurrency', 16, 1)
  const pollIntervalMs = integer('pollIntervalMs', 100, 1)
  const leaseMs = integer('leaseMs', 300_000, 100)
  const maxAttempts = integer('maxAttempts', 100, 1)
  if (options.worker !== undefined && typeof options.worker !== 'boolean') problems.push('asyncSettlement: worker must be true or false')
  if (problems.length > 0) throw new ConfigurationError(problems)

  return {
    kind: 'async-settlement',
    create(parts): AsyncSettler {
      const methods = new Map<string, PaymentMethod>()
      const worker = new SettlementWorker({
        queue,
        store: parts.store,
        method: (id) => methods.get(id),
        events: parts.events,
        logger: parts.logger,
        clock: parts.clock,
        // Web APIs only (the core runs on edge runtimes too): the pid where there is one, for reading XINFO.
        consumer: `${typeof process === 'object' && process.pid ? process.pid : 'worker'}:${crypto.randomUUID().slice(0, 8)}`,
        concurrency,
        pollIntervalMs,
        leaseMs,
        maxAttempts,
      })
      let started = false
      return {
        queue,
        limit,
        register(list) {
          for (const method of list) methods.set(method.id, method)
          if (options.worker !== false && !started) {
            started = true
            worker.start()
          }
        },
        async enqueue(job, method) {
          methods.set(method.id, method)
          const capKey = capKeyOf(job.network, job.asset, job.payer)
          try {
            if (!(await reserveUnsettled(parts.store, capKey, job.amount, limit))) return false
          } catch (error) {
            parts.logger.warn?.('tollgate: the unsettled-value cap could not be read; settling before serving', { error: String(error) })
            return false
          }
          try {
            await queue.add({ ...job, capKey, attempt: 0 })
            return true
          } catch (error) {
            await parts.store.giveBack(capKey, Number(BigInt(job.amount))).catch(() => undefined)
            parts.logger.warn?.('tollgate: the settlement queue did not take a payment; settling before serving', { error: String(error) })
            return false
          }
        },
        depth: () => queue.depth(),
        start() {
          started = true
          worker.start()
        },
        stop: () => worker.stop(),
      }
    },
  }
}
