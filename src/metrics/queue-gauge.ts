import { Gauge, type Registry } from 'prom-client'

/** What the gauge reads: a core whose configuration has `asyncSettlement` (`gate.core`). */
export interface QueueSource {
  readonly asyncSettlement?: { depth(): Promise<number> }
}

/**
 * Payments served and not yet settled ('async' routes), read from the queue at scrape time but
 * never waited on longer than `timeoutMs` (the last value stays). Absent without asyncSettlement.
 * Settled and failed queued payments are counted by the payment counters like any other.
 */
export function queueGauge(registry: Registry, prefix: string, core: QueueSource | (() => QueueSource), timeoutMs: number): void {
  let last = 0
  new Gauge({
    name: prefix + 'async_settlements_queued',
    help: "Payments served before settlement ('async' routes) whose settlement is waiting or in progress in the queue.",
    registers: [registry],
    async collect() {
      const queue = (typeof core === 'function' ? core() : core).asyncSettlement
      if (!queue) return
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs)
      })
      const depth = await Promise.race([queue.depth().catch(() => undefined), timeout])
      clearTimeout(timer)
      if (depth !== undefined) last = depth
      this.set(last)
    },
  })
}
