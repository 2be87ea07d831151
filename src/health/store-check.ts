import type { Store } from '../stores/store.js'
import type { StoreHealth } from './health-report.js'
import { within } from './within.js'

/** A key no payment uses: reading it touches the store without changing anything. */
export const HEALTH_PROBE_KEY = 'health:probe'

/**
 * One read of the store, bounded: a store that answers (with a value or none) is reachable. A read,
 * not a write, so a health endpoint polled from the internet can never fill the store.
 */
export async function checkStore(store: Store, timeoutMs: number): Promise<StoreHealth> {
  const reachable = await within(timeoutMs, false, async () => {
    await store.get(HEALTH_PROBE_KEY)
    return true
  })
  return { status: reachable ? 'ok' : 'down' }
}
