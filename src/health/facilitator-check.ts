import type { FacilitatorClient } from '../facilitator/http-facilitator.js'
import type { FacilitatorHealth } from './health-report.js'
import { within } from './within.js'

/**
 * Asks each facilitator `/supported`, bounded. Verification fails over between facilitators, so one
 * that answers keeps payments going ('degraded' when others do not); none answering is 'down'.
 * `httpFacilitator` reuses a good `/supported` answer for its `supportedTtlMs` (default 10 min),
 * so an outage shows here once that answer is older than it.
 */
export async function checkFacilitators(facilitators: readonly FacilitatorClient[], timeoutMs: number): Promise<FacilitatorHealth> {
  const answers = await Promise.all(
    facilitators.map((facilitator) =>
      within(timeoutMs, false, async () => {
        const reply = await facilitator.supported()
        return reply.ok
      }),
    ),
  )
  const reachable = answers.filter(Boolean).length
  const total = facilitators.length
  const status = reachable === total ? 'ok' : reachable === 0 ? 'down' : 'degraded'
  return { status, reachable, total }
}
