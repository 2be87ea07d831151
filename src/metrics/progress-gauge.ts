import { Gauge, type Registry } from 'prom-client'

/** What the gauge reads: the core of any adapter's tollgate (`gate.core`). */
export interface ProgressSource {
  paymentsInProgress(): number
}

/**
 * Payments verified and not yet settled or abandoned, read from the gate's own count at scrape time.
 * Not derived from the events: an abandoned payment (the handler failed, the buyer left) is told by
 * none, so verified − settled − failed would only ever grow.
 */
export function progressGauge(registry: Registry, prefix: string, core: ProgressSource | (() => ProgressSource)): void {
  new Gauge({
    name: prefix + 'payments_in_progress',
    help: 'Payments verified and not yet settled or abandoned (each may hold a handler answer in memory until it settles).',
    registers: [registry],
    collect() {
      this.set((typeof core === 'function' ? core() : core).paymentsInProgress())
    },
  })
}
