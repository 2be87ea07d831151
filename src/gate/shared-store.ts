import { ConfigurationError } from '../errors/tollgate-error.js'
import { MemoryStore } from '../stores/memory-store.js'
import type { Store } from '../stores/store.js'

let processStore: MemoryStore | undefined

/**
 * The seller's store, or one memory store shared by every gate in the process (a proof claimed at
 * one route is then claimed at all of them). Memory state is per process, so under
 * NODE_ENV=production it is refused unless the seller says only one process serves the routes.
 */
export function sharedStore(store: Store | undefined, singleInstance: boolean | undefined): Store {
  const chosen = store ?? (processStore ??= new MemoryStore())
  const production = globalThis.process?.env?.NODE_ENV === 'production'
  if (chosen instanceof MemoryStore && production && singleInstance !== true) {
    throw new ConfigurationError([
      'an in-memory store under NODE_ENV=production accepts a payment once per process: use a shared store ' +
        '(tollgate/redis) when several instances run, or pass singleInstance: true if exactly one does',
    ])
  }
  return chosen
}
