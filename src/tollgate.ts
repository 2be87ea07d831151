import { getAddress, isAddress, type Address } from 'viem'
import { ConfigurationError, ProblemList } from './errors/tollgate-error.js'
import type { SettlementPolicy } from './gate/decision.js'
import { requirePayment, type PaymentGate, type RequirePaymentOptions } from './gate/require-payment.js'
import { silentLogger, type Logger } from './logger.js'
import { evmExact, type MethodSpec } from './methods/evm-exact/evm-exact.js'
import { facilitatorExact } from './facilitator/facilitator-exact.js'
import type { FacilitatorClient } from './facilitator/http-facilitator.js'
import type { Price } from './money/parse-amount.js'
import type { NetworkDefinition, TokenInfo } from './networks/evm-network.js'
import { NetworkRegistry } from './networks/resolve-network.js'
import type { EvmSettler } from './settlers/evm-chain.js'
import { sharedStore } from './gate/shared-store.js'
import type { Store } from './stores/store.js'
import { boundedStore } from './stores/bounded-store.js'
import type { PrepaidPlan } from './prepaid/prepaid-plan.js'
import type { PrepaidSetup } from './prepaid/prepaid-setup.js'

export interface TollgateConfig {
  /** The address that receives payments (a route or an accepted option may name another). */
  payTo: Address
  /** Verifies against and settles on the chain, e.g. `localSettler({ privateKey, rpcUrl })`. Give this or `facilitator`. */
  settler?: EvmSettler
  /**
   * Verifies and settles through a remote facilitator instead, e.g. `httpFacilitator({ url })`; several
   * are tried in order for verification. A network's `rpcUrl` in `networks` lets tollgate resolve a
   * settlement the facilitator left unknown by reading the chain.
   */
  facilitator?: FacilitatorClient | FacilitatorClient[]
  /** Replay claims; default an in-memory store (one process only). */
  store?: Store
  storeTimeoutMs?: number
  /** Confirms exactly one process serves these routes, allowing the memory store under NODE_ENV=production. */
  singleInstance?: boolean
  /** Extra EVM networks or tokens, or overrides of known ones (another RPC endpoint, another token). */
  networks?: NetworkDefinition[]
  logger?: Logger
  clock?: () => number
  /** Defaults for every route. */
  defaults?: Pick<PaywallOptions, 'description' | 'mimeType' | 'maxTimeoutSeconds' | 'settle'>
  /** Prepaid packages, from `prepaid({ secret, packages })` of `tollgate/prepaid`. */
  prepaid?: PrepaidSetup
}

/** One way to pay a route: an amount on a network, optionally in another token or to another address. */
export interface AcceptOption {
  amount: Price
  network: string
  asset?: TokenInfo
  payTo?: Address
}

export interface RouteOptions {
  description?: string
  mimeType?: string
  /** Absolute URL shown as the resource in challenges; default: the request URL. */
  resource?: string
  maxTimeoutSeconds?: number
  /** `'after-handler'` (default): charge only when the handler answered < 400. `'before-handler'`: charge first. */
  settle?: SettlementPolicy
  /** Also accept prepaid credentials on this route (needs `prepaid` in the tollgate configuration). */
  prepaid?: boolean
}

/** `{ amount, network }` for one option, or `{ accepts: [...] }` for several, listed to buyers in order. */
export type PaywallOptions = RouteOptions & (AcceptOption | { accepts: AcceptOption[] })

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
}

/** Validates the seller's configuration once; every route then shares its store, networks and settler. */
export function createTollgate(config: TollgateConfig): Tollgate {
  const problems = new ProblemList()
  if (!config || typeof config !== 'object') problems.add('tollgate(config) needs a configuration object')
  else {
    if (!isAddress(config.payTo ?? '', { strict: false })) problems.add(`payTo ${JSON.stringify(config.payTo)} is not an EVM address`)
    const facilitators = config.facilitator === undefined ? [] : [config.facilitator].flat()
    if (config.settler !== undefined && config.facilitator !== undefined) {
      problems.add('give either settler (settle from your own account) or facilitator (settle through a facilitator), not both')
    } else if (config.facilitator !== undefined) {
      if (facilitators.length === 0 || !facilitators.every((f) => typeof f?.verify === 'function' && typeof f.settle === 'function')) {
        problems.add('facilitator must be httpFacilitator({ url }) or a non-empty list of them')
      }
    } else if (!config.settler || typeof config.settler.connect !== 'function') {
      problems.add('settler is required, e.g. localSettler({ privateKey, rpcUrl }), or a facilitator: httpFacilitator({ url })')
    }
  }
  const registry = problems.collect(() => new NetworkRegistry(config?.networks))
  const store = problems.collect(() => sharedStore(config?.store, config?.singleInstance))
  problems.throwIfAny()
  const payTo = getAddress(config.payTo)
  const logger = config.logger ?? silentLogger
  const clock = config.clock ?? Date.now
  // Only endpoints the seller named: tollgate never reads a chain through an RPC it was not given.
  const rpcUrls = Object.fromEntries((config.networks ?? []).flatMap((n) => (n.rpcUrl ? [[n.name, n.rpcUrl]] : [])))

  const route = (options: PaywallOptions, prepaid?: PrepaidPlan): PaymentGate => {
    if (options.prepaid && !prepaid) throw new ConfigurationError(['route accepts prepaid credentials, but tollgate has no `prepaid` configuration'])
    const accepts = 'accepts' in options ? options.accepts : [options]
    const methods = (accepts ?? []).map((option): MethodSpec => {
      const spec = {
        network: option.network,
        amount: option.amount,
        ...(option.asset ? { asset: option.asset } : {}),
        ...(option.payTo ? { payTo: option.payTo } : {}),
      }
      return config.facilitator ? facilitatorExact({ ...spec, facilitators: [config.facilitator].flat(), rpcUrls }) : evmExact(spec)
    })
    const routeOptions: RequirePaymentOptions = {
      ...config.defaults,
      ...stripUndefined({
        description: options.description,
        mimeType: options.mimeType,
        resource: options.resource,
        maxTimeoutSeconds: options.maxTimeoutSeconds,
        settle: options.settle,
      }),
      store: store as Store,
      singleInstance: true, // already checked above for this store
      payTo,
      ...(config.settler ? { settler: config.settler } : {}),
      networks: registry as NetworkRegistry,
      ...(config.storeTimeoutMs !== undefined ? { storeTimeoutMs: config.storeTimeoutMs } : {}),
      ...(options.prepaid && prepaid ? { prepaid } : {}),
      logger,
      clock,
    }
    return requirePayment(undefined, methods, routeOptions)
  }

  if (config.prepaid && typeof (config.prepaid as Partial<PrepaidSetup>).create !== 'function') {
    throw new ConfigurationError(["prepaid must be built with prepaid({ secret, packages }) from 'tollgate/prepaid'"])
  }
  const prepaid = config.prepaid
    ? config.prepaid.create({
        store: boundedStore(store as Store, config.storeTimeoutMs ?? 2_000),
        payTo,
        route: (options) => route({ ...options, prepaid: false }),
        logger,
        clock,
      })
    : undefined

  return {
    store: store as Store,
    config,
    ...(prepaid ? { prepaid } : {}),
    route: (options: PaywallOptions) => route(options, prepaid),
    requirePrepaid() {
      if (!prepaid) throw new ConfigurationError(["the prepaid endpoints need `prepaid: prepaid({ secret, packages })` in the tollgate configuration"])
      return prepaid
    },
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
