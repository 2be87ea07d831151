/** The seller-facing shapes of a tollgate: its configuration, route options and what it builds. */
import type { Address } from 'viem'
import type { PayTo, Settlers } from './config/families.js'
import type { SolanaTokenInfo } from './chains/solana/solana-terms.js'
import type { Dynamic } from './gate/dynamic-terms.js'
import type { GateTracer } from './gate/gate-tracer.js'
import type { HoldPolicy, SettlementPolicy } from './gate/decision.js'
import type { PaymentGate } from './gate/require-payment.js'
import type { Logger } from './logger.js'
import type { FacilitatorClient } from './facilitator/http-facilitator.js'
import type { Price } from './money/parse-amount.js'
import type { NetworkDefinition, TokenInfo } from './chains/evm/network/evm-network.js'
import type { Store } from './stores/store.js'
import type { PrepaidPlan } from './prepaid/prepaid-plan.js'
import type { PrepaidSetup } from './prepaid/prepaid-setup.js'
import type { DiscoveryOptions } from './discovery/bazaar.js'
import type { DiscoveryListing } from './discovery/listing.js'
import type { PayToFunction, PriceFunction } from './gate/dynamic-terms.js'
import type { HttpAnswer } from './gate/decision.js'
import type { RequestLike } from './http/request-like.js'
import type { TollgateHooks } from './hooks/hook-types.js'
import type { NetworkName } from './types/network-name.js'
import type { PaywallPageOptions } from './paywall/page-options.js'
import type { AsyncSettlementSetup, AsyncSettler } from './settlement/async-queue/async-settlement.js'
import type { PushSetup } from './push/push-setup.js'

/**
 * The seller's configuration. Every key is checked when `tollgate(config)` is built: an unknown
 * key, a malformed value or a missing settler is a ConfigurationError listing every problem.
 */
export interface TollgateConfig {
  /** The address that receives payments (a route or an accepted option may name another). */
  /** An EVM or Solana address, or one per family: `{ evm: '0x…', solana: '…' }` (Solana: the owner wallet, not its token account). */
  payTo: PayTo
  /** Verifies against and settles on the chain, e.g. `localSettler({ privateKey, rpcUrl })`. Give this or `facilitator`. */
  settler?: Settlers
  /**
   * Verifies and settles through a remote facilitator instead, e.g. `httpFacilitator({ url })`; several
   * are tried in order for verification. A network's `rpcUrl` in `networks` lets tollgate resolve a
   * settlement the facilitator left unknown by reading the chain.
   */
  facilitator?: FacilitatorClient | FacilitatorClient[]
  /** Replay claims and prepaid counters; default an in-memory store (one process only). */
  store?: Store
  /** Bound on every store call in milliseconds (a positive integer, default 2000); past it the request fails closed with 503. */
  storeTimeoutMs?: number
  /** Confirms exactly one process serves these routes, allowing the memory store under NODE_ENV=production. */
  singleInstance?: boolean
  /** Extra EVM networks or tokens, or overrides of known ones (another RPC endpoint, another token). */
  networks?: NetworkDefinition[]
  logger?: Logger
  clock?: () => number
  /** Defaults for every route: `description`, `mimeType`, `maxTimeoutSeconds`, `settle`, `hold` (a route's `hold` is merged over it). */
  defaults?: Pick<PaywallOptions, 'description' | 'mimeType' | 'maxTimeoutSeconds' | 'settle' | 'hold'>
  /** Prepaid packages, from `prepaid({ secret, packages })` of `tollgate/prepaid`. */
  prepaid?: PrepaidSetup
  /**
   * Most payments one payer may have verified and not yet settled or abandoned, across all routes
   * of this tollgate (a positive integer, default 8). Each may hold a handler's answer in memory;
   * past the bound that payer's next payment is refused until one finishes, and nothing is charged.
   */
  maxPendingPerPayer?: number
  /**
   * Lifecycle hooks of every route (a route's own `hooks` fire after these): challenges, verified,
   * refused, settled and failed payments, prepaid credentials, and `authorize` to decide on a payment
   * before it is verified. Observing hooks never delay or break a payment; their errors go to the logger.
   */
  hooks?: TollgateHooks
  /**
   * Traces of paid requests: `otelTracing()` from `tollgate/tracing` (OpenTelemetry), or any
   * GateTracer. Absent: nothing is traced and nothing is spent on it.
   */
  tracing?: GateTracer
  /**
   * The page a browser navigating to a paywalled route gets instead of the JSON 402: description,
   * price, a wallet button, and the paid answer shown in place. On by default; `false` turns it
   * off; `{ title, logoUrl, colors, template }` restyles it (a route's own `paywallPage` is merged over it).
   */
  paywallPage?: PaywallPageOptions | false
  /**
   * Payments pushed on chain first and proven by transaction hash (`Authorization: x402 …`):
   * `evmPush({...})` (and `solanaPush({...})` from 'tollgate/solana'), for routes with `push: true`.
   */
  push?: PushSetup | PushSetup[]
  /**
   * Settlement after serving, for routes with `settle: 'async'`: `asyncSettlement({ queue })` with
   * `redisSettlementQueue({ client })` (durable, shared by instances) or `memorySettlementQueue()`.
   * The buyer may move its funds before the queued settlement lands: that risk is the seller's,
   * bounded per payer by `maxUnsettledPerPayer` (see "Asynchronous settlement" in the README).
   */
  asyncSettlement?: AsyncSettlementSetup
}

/** One way to pay a route: an amount on a network, optionally in another token or to another address. */
/**
 * A metered route (x402 \`upto\`): the buyer signs for at most \`max\`, the handler sets the
 * actual charge with \`req.payment.charge()\`, and it settles after the handler through Permit2.
 */
export interface UptoAcceptOption extends Omit<AcceptOption, 'amount' | 'scheme' | 'max' | 'assetTransferMethod'> {
  scheme: 'upto'
  /** The most one request may cost (a fixed price: a decimal string, a bigint or \`{ atomic }\`). */
  max: Price
  amount?: never
  assetTransferMethod?: 'permit2'
}

export interface AcceptOption {
  /**
   * A decimal string in token units ('0.10'), a bigint or `{ atomic: '100000' }`; never a JavaScript
   * number. Or a function of the request returning one, sync or async (per API key, per query, per
   * body size): it is called for the challenge and again for the paid retry, and the payment must pay
   * exactly what it returns for the request that carries the payment.
   */
  amount: Price | PriceFunction
  /** A known name ('base-sepolia'), a CAIP-2 id ('eip155:84532') or a network defined in `networks`. */
  network: NetworkName
  /** EVM: `{ address, name, version, decimals }`. Solana: the mint, `{ address, decimals, tokenProgram? }` (default: the cluster's USDC). */
  asset?: TokenInfo | SolanaTokenInfo
  /** Another recipient than the tollgate's `payTo`, or a function of the request returning one (per workspace). */
  payTo?: Address | PayToFunction | (string & {})
  /**
   * Solana: binds each payment to this memo (an invoice or order id): the transaction must carry exactly
   * it. Or a function of the request returning one (per invoice), called for the challenge and the payment.
   */
  memo?: string | Dynamic<string>
  /** 'exact' (the default). A price known only after the handler is an UptoAcceptOption (`scheme: 'upto'` with `max`). */
  scheme?: 'exact' | 'upto'
  max?: never
  /**
   * EVM: 'eip3009' (transferWithAuthorization) or 'permit2' (through Permit2 and the x402 proxy).
   * Default: the token's own (\`transfer\` in its TokenInfo): Permit2 for tokens without EIP-3009.
   */
  assetTransferMethod?: 'eip3009' | 'permit2'
}

/** How a route takes prepaid credentials (see `RouteOptions.prepaid`). */
export interface PrepaidRouteOptions {
  /** Calls one request spends, all or none (a positive integer, default 1). */
  cost?: number
  /** Package ids whose credentials this route takes (default: every package); an unknown id is a setup error. */
  packages?: string[]
}

/** Route settings, checked when the route is built: unknown keys and malformed values are a ConfigurationError. */
export interface RouteOptions {
  /**
   * A short label of the route for hooks and metrics (default: the route's `resource` path, else
   * 'METHOD /path' of the first request it served). Keep it low-cardinality: no ids in it.
   */
  name?: string
  /** This route's own hooks, heard after the configuration's (see TollgateConfig.hooks). */
  hooks?: TollgateHooks
  /**
   * What the route takes and answers, for agents and catalogues (the official bazaar declaration:
   * `input`, `inputSchema`, `bodyType`, `output: { example, schema }`, plus `method` and
   * `discoverable`). Sent in v2 challenges as `extensions.bazaar` and in v1 requirements as
   * `outputSchema`; `discoverable: false` keeps the route out of challenges' discovery and out of the listing.
   */
  discovery?: DiscoveryOptions
  /** Most bytes of the request body a price function may read with `body()` (default 1 MiB); past it 413, nothing charged. */
  maxBodyBytes?: number
  description?: string
  mimeType?: string
  /** Absolute http(s) URL shown as the resource in challenges; default: the request URL. */
  resource?: string
  /** How long a signed payment stays valid, in whole seconds, at least 10 (default 300). */
  maxTimeoutSeconds?: number
  /**
   * Exactly `'after-handler'` (default: hold the answer, charge only when the handler answered
   * < 400) or `'before-handler'` (charge first, then run the handler). Any other value is refused at setup.
   */
  settle?: SettlementPolicy
  /**
   * Cap on the handler's answer held back while an after-handler payment settles: `maxBytes`
   * (a positive integer, default 4 MiB) and `overflow`, what happens past it: `'settle'` (default:
   * charge then, and stream the rest) or `'refuse'` (drop the answer, charge nothing, 502 response_too_large).
   */
  hold?: Partial<HoldPolicy>
  /**
   * Also accept prepaid credentials on this route (needs `prepaid` in the tollgate configuration).
   * `true` spends one call of a credential of any package per request. `{ cost, packages }` spends
   * `cost` calls per request (all or none: with fewer left the request is refused with 402
   * prepaid_insufficient_calls and nothing is taken) and takes credentials of the listed packages
   * only (others: 402 prepaid_package_not_accepted, nothing spent).
   */
  prepaid?: boolean | PrepaidRouteOptions
  /** This route's browser page: `false` for none, or settings merged over the configuration's `paywallPage`. */
  paywallPage?: PaywallPageOptions | false
  /**
   * Also accept payments pushed on chain first (`Authorization: x402 <tx hash>`), for each accepted
   * option whose network has a setup in the configuration's `push` (see "Push payments").
   */
  push?: boolean
}

/** `{ amount, network }` for one option, or `{ accepts: [...] }` for several, listed to buyers in order. */
export type PaywallOptions = RouteOptions & (AcceptOption | UptoAcceptOption | { accepts: (AcceptOption | UptoAcceptOption)[] })

/** What every framework adapter's `tollgate(config)` gives: its paywall and prepaid endpoints, in that framework's shape. */
export interface AdapterTollgate<Paywall, PrepaidRoutes> {
  /** Protects one route: `{ amount, network }` or `{ accepts: [...] }`, plus route options. */
  paywall(options: PaywallOptions): Paywall
  /** `GET <prepaid path>/packages` and `POST <prepaid path>/purchase` (default path '/prepaid'). */
  prepaidRoutes(): PrepaidRoutes
  /** Revoke credentials and read their remaining calls (present when `prepaid` is configured). */
  readonly prepaid?: PrepaidPlan
  readonly core: Tollgate
}

export interface Tollgate {
  /** Builds the framework-free gate of one route; adapters wrap it. Throws ConfigurationError at setup. */
  route(options: PaywallOptions): PaymentGate
  readonly store: Store
  readonly config: Readonly<TollgateConfig>
  /** Present when `prepaid` is configured: the packages list, purchases, revocation, status. */
  readonly prepaid?: PrepaidPlan
  /** The prepaid plan, or a ConfigurationError saying `prepaid` is missing (for adapters mounting its endpoints). */
  requirePrepaid(): PrepaidPlan
  /**
   * The discovery listing: every discoverable route at its `resource`, or at the first URL it served
   * (routes of Express and Koa learn their path then: give `resource` to list them from startup).
   */
  listing(): DiscoveryListing
  /** `GET /.well-known/x402`: the listing, free (see serveDiscovery); undefined for any other request. */
  discovery(request: RequestLike): HttpAnswer | undefined
  /**
   * Payments verified and not yet settled or abandoned, over every route (each may hold a
   * handler's answer in memory): what `tollgateMetrics({ core })` reports as a gauge.
   */
  paymentsInProgress(): number
  /** The running async settlement (`asyncSettlement` in the configuration): its queue's depth, and stop() for shutdown. */
  readonly asyncSettlement?: AsyncSettler
}
