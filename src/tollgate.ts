import type { Address } from 'viem'
import { checksumAddress } from './config/evm-address.js'
import { payToOf, settlersOf, solanaMethodSpec } from './config/families.js'
import { looksSolana } from './chains/solana/solana-networks.js'
import type { PageAccept } from './paywall/route-page.js'
import { isRecord } from './config/config-shape.js'
import { collect, usableLogger } from './config/build-parts.js'
import { isGateTracer } from './gate/gate-tracer.js'
import { prepaidScopeOf, routeSettings } from './config/route-settings.js'
import { acceptEntries, acceptOptionProblems, defaultsProblems, routeOptionProblems } from './config/validate-route.js'
import { networkProblems, settlementProblems, storeProblems, tollgateConfigProblems } from './config/validate-tollgate.js'
import { ConfigurationError } from './errors/tollgate-error.js'
import { PayerSlots } from './gate/payer-slots.js'
import { scopedAcceptor } from './gate/prepaid-acceptor.js'
import { requirePayment, type PaymentGate, type RequirePaymentOptions } from './gate/require-payment.js'
import { guardedLogger, silentLogger } from './logger.js'
import { evmExact, type MethodSpec } from './chains/evm/exact/evm-exact.js'
import { facilitatorExact } from './facilitator/facilitator-exact.js'
import { evmMethodSpec, isPermit2Option, uptoAsAmount } from './chains/evm/permit2/evm-method-spec.js'
import { facilitatorPermit2 } from './facilitator/facilitator-permit2.js'
import type { FacilitatorClient } from './facilitator/http-facilitator.js'
import type { NetworkDefinition, TokenInfo } from './chains/evm/network/evm-network.js'
import { NetworkRegistry } from './networks/resolve-network.js'
import { sharedStore } from './gate/shared-store.js'
import type { Store } from './stores/store.js'
import { boundedStore } from './stores/bounded-store.js'
import type { PrepaidPlan } from './prepaid/prepaid-plan.js'
import type { PrepaidSetup } from './prepaid/prepaid-setup.js'
import { listingDocument } from './discovery/listing.js'
import { serveDiscovery } from './discovery/serve-discovery.js'
import type { DynamicTerms } from './gate/dynamic-terms.js'
import { createGateEvents } from './hooks/gate-events.js'
import type { TollgateHooks } from './hooks/hook-types.js'
import { routePage } from './paywall/route-page.js'
import type { AsyncSettlementSetup } from './settlement/async-queue/async-settlement.js'
import { pushMethodSpecs, pushOptionsOf, pushSetupsOf } from './push/push-setup.js'

export type { TollgateConfig, UptoAcceptOption, AcceptOption, PrepaidRouteOptions, RouteOptions, PaywallOptions, AdapterTollgate, Tollgate } from './tollgate-types.js'
import type { TollgateConfig, UptoAcceptOption, AcceptOption, PrepaidRouteOptions, RouteOptions, PaywallOptions, AdapterTollgate, Tollgate } from './tollgate-types.js'

/** Validates the seller's configuration once; every route then shares its store, networks, settler and payer bound. */
export function createTollgate(config: TollgateConfig): Tollgate {
  const problems = tollgateConfigProblems(config)
  const given: Record<string, unknown> = isRecord(config) ? config : {}
  // Parts are built from well-formed values only, so each mistake is reported once, in the words above.
  const definitions = Array.isArray(given.networks) ? given.networks.filter((n) => networkProblems(n, 'network').length === 0) : []
  const registry = collect(problems, () => new NetworkRegistry(definitions as NetworkDefinition[]))
  const store =
    storeProblems(given.store).length === 0 ? collect(problems, () => sharedStore(given.store as Store | undefined, given.singleInstance === true || undefined)) : undefined
  const logger = guardedLogger(usableLogger(given.logger) ?? silentLogger)
  const clock = typeof given.clock === 'function' ? (given.clock as () => number) : Date.now
  const tracing = isGateTracer(given.tracing) ? given.tracing : undefined
  const defaults: Record<string, unknown> = isRecord(given.defaults) && defaultsProblems(given.defaults).length === 0 ? given.defaults : {}
  const storeTimeoutMs = Number.isSafeInteger(given.storeTimeoutMs) && (given.storeTimeoutMs as number) > 0 ? (given.storeTimeoutMs as number) : 2_000
  // Hooks of named routes, for the events of payments the async worker settles (maybe queued by another instance).
  const routeHooksByName = new Map<string, TollgateHooks>()
  const setupOfAsync = isRecord(given.asyncSettlement) && given.asyncSettlement.kind === 'async-settlement' ? (given.asyncSettlement as unknown as AsyncSettlementSetup) : undefined
  const asyncSettler =
    setupOfAsync && store
      ? setupOfAsync.create({
          store: boundedStore(store, storeTimeoutMs, logger),
          logger,
          clock,
          events: (label) => createGateEvents({ hooks: given.hooks as TollgateHooks | undefined, routeHooks: routeHooksByName.get(label), route: label, logger }),
        })
      : undefined
  const pendingPerPayer = new PayerSlots(Number.isSafeInteger(given.maxPendingPerPayer) && (given.maxPendingPerPayer as number) > 0 ? (given.maxPendingPerPayer as number) : 8)
  const payTos = payToOf(given.payTo)
  const payTo = payTos.evm ? checksumAddress(payTos.evm) : undefined
  const settlers = settlersOf(given.settler)
  const facilitators = given.facilitator === undefined ? undefined : [given.facilitator as FacilitatorClient | FacilitatorClient[]].flat()
  // Only endpoints the seller named: tollgate never reads a chain through an RPC it was not given.
  const rpcUrls = Object.fromEntries((definitions as NetworkDefinition[]).flatMap((n) => (n.rpcUrl ? [[n.name, n.rpcUrl]] : [])))

  const listed: PaymentGate[] = []
  const listing = () => listingDocument(listed.flatMap((gate) => gate.describe() ?? []))
  const route = (options: PaywallOptions, prepaid?: PrepaidPlan): PaymentGate => {
    const found = routeOptionProblems(options)
    if (!isRecord(options)) throw new ConfigurationError(found)
    const scope = prepaidScopeOf(options.prepaid)
    if (options.prepaid !== undefined && options.prepaid !== false && !prepaid) found.push('route accepts prepaid credentials, but tollgate has no `prepaid` configuration')
    if (scope && prepaid) found.push(...prepaid.scopeProblems(scope))
    // An upto option's `max` is the amount its buyers sign for: from here on it is the option's amount.
    const accepts = acceptEntries(options)
      .filter((entry) => acceptOptionProblems(entry, 'accept').length === 0)
      .map((entry) => uptoAsAmount(entry as AcceptOption | UptoAcceptOption))
    const methods = accepts.map((option): MethodSpec => {
      // upto and Permit2 are EVM forms here: a Solana option asking for them must not quietly become exact.
      if (looksSolana(option.network) && (option.scheme === 'upto' || option.assetTransferMethod)) found.push(`network ${option.network}: scheme 'upto' and assetTransferMethod are EVM options`)
      if (looksSolana(option.network)) return solanaMethodSpec(option, settlers.solana, payTos.solana, logger)
      if (option.memo !== undefined) found.push(`network ${JSON.stringify(option.network)}: memo binds Solana payments only; EVM options take none`)
      // A function's terms are computed per request; the method is built (and checked) with a placeholder.
      const dynamic: DynamicTerms = {
        ...(typeof option.amount === 'function' ? { amount: option.amount } : {}),
        ...(typeof option.payTo === 'function' ? { payTo: option.payTo } : {}),
      }
      const spec = {
        network: option.network,
        amount: typeof option.amount === 'function' ? { atomic: '1' } : option.amount,
        ...(option.asset ? { asset: option.asset as TokenInfo } : {}),
        ...(option.payTo && typeof option.payTo !== 'function' ? { payTo: option.payTo as Address } : {}),
      }
      const eip3009 = (exact: typeof spec) => (facilitators ? facilitatorExact({ ...exact, facilitators, rpcUrls }) : evmExact(exact))
      const built = facilitators && isPermit2Option(option, registry) ? facilitatorPermit2({ ...spec, scheme: option.scheme ?? 'exact', facilitators, rpcUrls }) : evmMethodSpec(option, spec, registry, eip3009)
      return Object.keys(dynamic).length > 0 ? { ...built, dynamic } : built
    })
    if (options.push === true) methods.push(...pushMethodSpecs(pushSetupsOf(given.push), pushOptionsOf(accepts), { registry, payTo: given.payTo }, found))
    const configHooks = given.hooks as TollgateHooks | undefined
    const routeHooks = options.hooks
    const named = typeof options.name === 'string' ? options.name : typeof options.resource === 'string' && URL.canParse(options.resource) ? new URL(options.resource).pathname : undefined
    const events = (label: string) => createGateEvents({ hooks: configHooks, routeHooks, route: label, logger })
    const routeOptions: RequirePaymentOptions = {
      ...(named ? { events: events(named) } : { eventsFor: events }),
      ...routeSettings(options, defaults),
      store: store as Store,
      singleInstance: true, // already checked above for this store
      ...(payTo ? { payTo } : {}),
      ...(settlers.evm ? { settler: settlers.evm } : {}),
      networks: registry as NetworkRegistry,
      storeTimeoutMs,
      pendingPerPayer,
      ...(asyncSettler ? { async: asyncSettler } : {}),
      ...(scope && prepaid ? { prepaid: scopedAcceptor(prepaid, scope) } : {}),
      ...(tracing ? { tracing } : {}),
      ...(named ? { name: named } : {}),
      logger,
      clock,
    }
    const page = registry ? routePage(given.paywallPage, options.paywallPage, registry, accepts as PageAccept[]) : undefined
    if (page) routeOptions.page = page
    // A queued job names its method by id; one priced per request could not be rebuilt by another instance.
    if (routeOptions.settle === 'async' && methods.some((m) => m.dynamic)) found.push("settle 'async' cannot be used with a price or payTo function (a queued payment must settle with terms every instance knows)")
    const gate = methods.length > 0 ? collect(found, () => requirePayment(undefined, methods, routeOptions)) : undefined
    if (found.length > 0 || !gate) throw new ConfigurationError([...new Set(found)])
    listed.push(gate)
    if (asyncSettler && routeOptions.settle === 'async') {
      if (named && routeHooks) routeHooksByName.set(named, routeHooks)
      asyncSettler.register(gate.methods)
    }
    return gate
  }

  // Packages are checked when everything their purchase routes need is sound, so their problems join the rest.
  const foundation = registry && store && (payTo ?? payTos.solana) && settlementProblems(given.settler, given.facilitator).length === 0
  const setup = given.prepaid as Partial<PrepaidSetup> | undefined
  const prepaid =
    foundation && setup && typeof setup.create === 'function'
      ? collect(problems, () =>
          (setup as PrepaidSetup).create({
            store: boundedStore(store as Store, storeTimeoutMs, logger),
            payTo: (payTo ?? payTos.solana) as string,
            // Purchase endpoints are found through each route's `prepaid` extension (the packages list), not listed as routes.
            route: (options) => route({ ...options, prepaid: false, discovery: { discoverable: false } }),
            ...(given.hooks ? { hooks: given.hooks as TollgateHooks } : {}),
            logger,
            clock,
          }),
        )
      : undefined
  if (problems.length > 0) throw new ConfigurationError([...new Set(problems)])

  return {
    store: store as Store,
    config,
    ...(prepaid ? { prepaid } : {}),
    route: (options: PaywallOptions) => route(options, prepaid),
    listing,
    discovery: (request) => serveDiscovery({ listing }, request),
    paymentsInProgress: () => pendingPerPayer.total(),
    ...(asyncSettler ? { asyncSettlement: asyncSettler } : {}),
    requirePrepaid() {
      if (!prepaid) throw new ConfigurationError(["the prepaid endpoints need `prepaid: prepaid({ secret, packages })` in the tollgate configuration"])
      return prepaid
    },
  }
}
