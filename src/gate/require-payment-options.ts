import type { DiscoveryOptions } from '../discovery/bazaar.js'
import type { GateEvents } from '../hooks/gate-events.js'
import type { Logger } from '../logger.js'
import type { NetworkDefinition } from '../chains/evm/network/evm-network.js'
import type { NetworkRegistry } from '../networks/resolve-network.js'
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import type { Store } from '../stores/store.js'
import type { HoldPolicy, SettlementPolicy } from './decision.js'
import type { AsyncSettler } from '../settlement/async-queue/async-settlement.js'
import type { GateTracer } from './gate-tracer.js'
import type { PayerSlots } from './payer-slots.js'
import type { PrepaidAcceptor } from './prepaid-acceptor.js'
import type { BrowserPage } from '../paywall/browser-page.js'

export interface RequirePaymentOptions {
  /** Where replay claims live. Default: one in-memory store shared by every gate of the process. */
  store?: Store
  /** Bound on every store call (default 2 s); past it the request fails closed with 503. */
  storeTimeoutMs?: number
  /** Required with `NODE_ENV=production` and an in-memory store: confirms only one process serves these routes. */
  singleInstance?: boolean
  settler?: EvmSettler
  payTo?: `0x${string}`
  networks?: readonly NetworkDefinition[] | NetworkRegistry
  /** Absolute URL of the resource in challenges; default: the request URL. */
  resource?: string
  description?: string
  mimeType?: string
  /** How long a signed payment stays valid (default 300 s). */
  maxTimeoutSeconds?: number
  settle?: SettlementPolicy
  /** Where 'async' passes queue their settlement (createTollgate's `asyncSettlement`); required for settle 'async'. */
  async?: AsyncSettler
  /** Cap on the handler output held back before settlement (default 4 MiB, overflow 'settle'). */
  hold?: Partial<HoldPolicy>
  /**
   * Most payments one payer may have verified and not yet settled or abandoned, across the routes
   * that share this limiter (default 8 per gate; createTollgate shares one across its routes).
   */
  pendingPerPayer?: PayerSlots
  /** Also accept prepaid credentials (see `prepaid` in the tollgate configuration). */
  prepaid?: PrepaidAcceptor
  /** The route's discovery declaration: `extensions.bazaar` in v2 challenges, `outputSchema` in v1 requirements. */
  discovery?: DiscoveryOptions
  /** Most bytes of a request body a price function may read (default 1 MiB); past it 413, nothing charged. */
  maxBodyBytes?: number
  /** Where this route's hooks hear of challenges, refusals, verified and settled payments (default: nowhere). */
  events?: GateEvents
  /** Builds `events` at the route's first request, labelled 'METHOD /path' of it (for routes given no `name`). */
  eventsFor?: (label: string) => GateEvents
  /** Spans of paid requests (see `tollgate/tracing`); absent: nothing traced, nothing spent on it. */
  tracing?: GateTracer
  /** The route's label on spans (default: 'METHOD /path' of its first request). */
  name?: string
  logger?: Logger
  /** Milliseconds since the epoch; tests move time with it. */
  clock?: () => number
  /** The HTML page a browser navigation gets instead of the JSON 402 (see src/paywall); absent: JSON for everyone. */
  page?: BrowserPage
}
