import type { QueueHealth } from './health-report.js'
import { within } from './within.js'

/** What the queue check reads: a tollgate's running async settlement (`gate.core.asyncSettlement`). */
export interface QueueDepthSource {
  depth(): Promise<number>
}

/**
 * Payments served before settlement ('async' routes) whose settlement is waiting or in progress:
 * the seller's unsettled exposure, read from the queue (shared by every instance on a Redis queue).
 * 'degraded' above `maxDepth`, or when the queue did not answer in time: serving goes on either
 * way (a payment the queue cannot take settles before it is served), so never 'down'.
 */
export function queueChecker(source: QueueDepthSource, timeoutMs: number, maxDepth: number | undefined): () => Promise<QueueHealth> {
  return async () => {
    const depth = await within<number | null>(timeoutMs, null, () => source.depth())
    const over = depth === null || (maxDepth !== undefined && depth > maxDepth)
    return { status: over ? 'degraded' : 'ok', depth }
  }
}
