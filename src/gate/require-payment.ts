import type { DiscoveryItem } from '../discovery/listing.js'
import { describeGate, firstSeen } from './describe-route.js'
import { authorizeStep, firstRequestLabel, withRetryAfter } from './authorize-step.js'
import { noEvents, type GateEvents } from '../hooks/gate-events.js'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import { ProblemList, StoreUnavailableError } from '../errors/tollgate-error.js'
import type { RequestLike } from '../http/request-like.js'
import { guardedLogger, silentLogger, type Logger } from '../logger.js'
import type { MethodContext, MethodSpec } from '../chains/evm/exact/evm-exact.js'
import type { PaymentMethod, VerifiedPayment } from '../methods/payment-method.js'
import type { Price } from '../money/parse-amount.js'
import type { NetworkDefinition } from '../chains/evm/network/evm-network.js'
import { NetworkRegistry } from '../networks/resolve-network.js'
import { readPayment, type PaymentEnvelope, type PaymentRead } from '../protocol/read-payment.js'
import { ReplayGuard } from '../replay/replay-guard.js'
import { PendingLedger } from '../settlement/pending-ledger.js'
import { boundedStore } from '../stores/bounded-store.js'
import type { Store } from '../stores/store.js'
import { DEFAULT_HOLD, type HoldPolicy, type PaymentDecision, type SettlementPolicy } from './decision.js'
import { PayerSlots } from './payer-slots.js'
import { preflightAnswer } from './preflight.js'
import { chooseCandidates } from './choose-candidates.js'
import type { GateSpan, GateTracer } from './gate-tracer.js'
import { guardedTracer } from './guarded-tracer.js'
import { paymentAttributes, startPaymentSpan, traceDecision } from './trace-payment.js'
import { verifyStep } from './verify-step.js'
import { createPass, type Candidate, type Resumed } from './payment-pass.js'
import { presentedAgain, SETTLE_ANEW } from './resolve-pending.js'
import { routeProblems } from './route-problems.js'
import { sharedStore } from './shared-store.js'
import { RouteChallenges, type ChallengeFactory } from './route-challenges.js'
import { isThenable, PRICE_BODY_LIMIT_BYTES, type DynamicTerms } from './dynamic-terms.js'
import type { RequirePaymentOptions } from './require-payment-options.js'
import { RoutePricing, type Priced } from './price-request.js'

export type { RequirePaymentOptions } from './require-payment-options.js'
export type { PaymentGate } from './payment-gate.js'
import type { PaymentGate } from './payment-gate.js'

/**
 * The framework-free core: turns a request into a decision (challenge, reject or pass). Every
 * adapter is a translation of this one function, so every framework gets the same behaviour.
 */
export function requirePayment(
  price: { amount: Price } | undefined,
  methods: readonly MethodSpec[],
  options: RequirePaymentOptions = {},
): PaymentGate {
  const problems = new ProblemList()
  const registry = options.networks instanceof NetworkRegistry ? options.networks : problems.collect(() => new NetworkRegistry(options.networks as NetworkDefinition[] | undefined))
  if (methods.length === 0) problems.add('requirePayment needs at least one payment method')
  const store = problems.collect(() => sharedStore(options.store, options.singleInstance))
  const maxTimeoutSeconds = options.maxTimeoutSeconds ?? 300
  if (!Number.isInteger(maxTimeoutSeconds) || maxTimeoutSeconds < 10) problems.add('maxTimeoutSeconds must be an integer of at least 10')
  if (options.resource !== undefined && !URL.canParse(options.resource)) problems.add(`resource ${JSON.stringify(options.resource)} is not an absolute URL`)
  for (const problem of routeProblems(options)) problems.add(problem)
  const context: MethodContext = {
    ...(price ? { price: price.amount } : {}),
    ...(options.payTo ? { payTo: options.payTo } : {}),
    ...(options.settler ? { settler: options.settler } : {}),
    registry: registry ?? new NetworkRegistry(),
  }
  const built = registry ? methods.map((spec) => problems.collect(() => spec.build(context))) : []
  const dynamic = methods.map((spec) => spec.dynamic)
  // upto's charge is known only once the handler has answered: it cannot settle before or apart from it.
  if ((options.settle ?? 'after-handler') !== 'after-handler' && built.some((method) => method?.scheme === 'upto')) {
    problems.add(`upto payments settle after the handler with the charge it sets: settle ${JSON.stringify(options.settle)} is refused for an upto route (use 'after-handler')`)
  }
  if (built.some((method, i) => method && dynamic[i] && typeof method.priced !== 'function')) problems.add('a payment method with a price or payTo function must support dynamic terms (priced)')
  problems.throwIfAny()
  return new Gate(built as PaymentMethod[], dynamic.some(Boolean) ? dynamic : undefined, store as Store, options, maxTimeoutSeconds)
}

class Gate implements PaymentGate {
  readonly policy: SettlementPolicy
  private readonly hold: HoldPolicy
  private readonly guard: ReplayGuard
  private readonly ledger: PendingLedger
  private readonly slots: PayerSlots
  private readonly logger: Logger
  private readonly clock: () => number
  private readonly challenges: RouteChallenges
  private readonly pricing: RoutePricing | undefined
  private readonly tracer: GateTracer | undefined
  private readonly createdAt = new Date().toISOString()
  /** The first request's method and URL (origin and path): where an Express or Koa route is listed. */
  private seen: { method: string; url: string } | undefined
  private events: GateEvents | undefined
  /** The route's label on spans, once known. */
  private label: string | undefined

  constructor(
    readonly methods: readonly PaymentMethod[],
    /** Per method, the terms computed per request; absent for a route whose prices are all fixed. */
    private readonly dynamic: readonly (DynamicTerms | undefined)[] | undefined,
    store: Store,
    private readonly options: RequirePaymentOptions,
    private readonly maxTimeoutSeconds: number,
  ) {
    this.policy = options.settle ?? 'after-handler'
    this.hold = { ...DEFAULT_HOLD, ...options.hold }
    this.logger = guardedLogger(options.logger ?? silentLogger)
    const bounded = boundedStore(store, options.storeTimeoutMs ?? 2_000)
    this.guard = new ReplayGuard(bounded, this.logger)
    this.ledger = new PendingLedger(bounded, this.logger)
    // One per gate unless shared: a payer's held answers are bounded per gate at least.
    this.slots = options.pendingPerPayer ?? new PayerSlots(8)
    this.clock = options.clock ?? Date.now
    this.tracer = options.tracing ? guardedTracer(options.tracing, this.logger) : undefined
    this.challenges = new RouteChallenges({ ...options, maxTimeoutSeconds })
    this.pricing = dynamic ? new RoutePricing(methods, dynamic, options.maxBodyBytes ?? PRICE_BODY_LIMIT_BYTES, this.logger) : undefined
  }

  evaluate(request: RequestLike): Promise<PaymentDecision> {
    this.events ??= this.options.events ?? this.options.eventsFor?.(firstRequestLabel(request)) ?? noEvents
    const events = this.events
    const span = this.tracer ? startPaymentSpan(this.tracer, request, (this.label ??= this.options.name ?? firstRequestLabel(request))) : undefined
    if (span) return this.traced(request, events, span)
    // A 402 (most of a paid route's traffic) is decided without an await; a bug still surfaces as a rejection.
    let decided: PaymentDecision | Promise<PaymentDecision>
    try {
      decided = this.decide(request, events, undefined)
    } catch (error) {
      return Promise.reject(error)
    }
    return isThenable(decided) ? decided.then((decision) => this.told(request, events, decision)) : Promise.resolve(this.told(request, events, decided))
  }

  private async traced(request: RequestLike, events: GateEvents, span: GateSpan): Promise<PaymentDecision> {
    let decision: PaymentDecision
    try {
      decision = await this.decide(request, events, span)
    } catch (error) {
      span.end('internal_error')
      throw error
    }
    traceDecision(span, decision)
    return this.told(request, events, decision)
  }

  private told(request: RequestLike, events: GateEvents, decision: PaymentDecision): PaymentDecision {
    if (decision.type === 'reject') events.rejected({ request, status: decision.status, reason: decision.reason })
    else if (decision.type === 'challenge') events.challenge({ request })
    return decision
  }

  /** Synchronous up to the first wait: pricing with an async function, spending a credential, checking a payment. */
  private decide(request: RequestLike, events: GateEvents, span: GateSpan | undefined): PaymentDecision | Promise<PaymentDecision> {
    if (request.method === 'OPTIONS' && request.headers.get('access-control-request-method') !== null) {
      return { type: 'preflight', ...preflightAnswer(request) }
    }
    if (!this.seen && !this.options.resource) this.seen = firstSeen(request)
    // A dynamic route prices each request first: its challenge and its payment check use that price.
    if (!this.pricing) return this.decidePriced(request, events, span, this.methods, undefined)
    const priced = this.pricing.price(request)
    return isThenable(priced) ? priced.then((p) => this.afterPricing(request, events, span, p)) : this.afterPricing(request, events, span, priced)
  }

  private afterPricing(request: RequestLike, events: GateEvents, span: GateSpan | undefined, priced: Priced | PaymentDecision): PaymentDecision | Promise<PaymentDecision> {
    return 'type' in priced ? priced : this.decidePriced(request, events, span, priced.methods, priced.key)
  }

  private decidePriced(request: RequestLike, events: GateEvents, span: GateSpan | undefined, methods: readonly PaymentMethod[], priceKey: string | undefined): PaymentDecision | Promise<PaymentDecision> {
    const read = readPayment(request)
    const prepaid = this.options.prepaid
    const credential = prepaid ? request.headers.get(prepaid.header) : null
    if (read.kind === 'none') {
      if (credential === null || !prepaid) {
        const challenge = this.challenges.plain(request, methods, priceKey)
        return { type: 'challenge', ...(this.options.page?.answer(request, challenge) ?? challenge) }
      }
      return prepaid.spend(credential, this.challenges.factory(request, methods), undefined, events)
    }
    return this.decidePayment(request, events, span, methods, read, credential)
  }

  private async decidePayment(request: RequestLike, events: GateEvents, span: GateSpan | undefined, methods: readonly PaymentMethod[], read: Exclude<PaymentRead, { kind: 'none' }>, credential: string | null): Promise<PaymentDecision> {
    const challenge = this.challenges.factory(request, methods)
    if (credential !== null) return this.reject(400, Reason.ambiguousPayment, 'send a prepaid credential or a payment, not both', challenge)
    if (read.kind === 'invalid') return this.reject(read.status, read.reason, read.detail, challenge)
    span?.setAttributes({ 'x402.version': read.envelope.x402Version, 'x402.scheme': read.envelope.scheme, 'x402.network': read.envelope.network })

    const now = this.clock()
    const chosen = chooseCandidates(methods, read.envelope, now)
    if ('reason' in chosen) return this.reject(chosen.status, chosen.reason, chosen.detail, challenge)
    // Methods that verify elsewhere (a facilitator) send the route's requirement in the payer's generation.
    const resource = this.challenges.resourceFor(request)
    const candidates: Candidate[] = chosen.candidates.map((c) => ({ ...c, requirement: c.method.requirement(resource, this.maxTimeoutSeconds) }))
    const keys = [...new Set(candidates.flatMap((c) => c.replayKeys))]
    const ttlMs = Math.max(...candidates.map((c) => c.replayTtlMs))

    let claimed: boolean
    try {
      claimed = await this.guard.claim(keys, ttlMs)
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
      this.logger.error?.('tollgate: replay store unavailable, refusing payment', { error: error.message })
      return this.reject(503, Reason.storeUnavailable, undefined, challenge)
    }
    if (!claimed) {
      const again = await presentedAgain({
        candidates,
        envelope: read.envelope,
        keys,
        ledger: this.ledger,
        nowMs: now,
        logger: this.logger,
        reject: (status, reason, detail) => this.reject(status, reason, detail, challenge),
        pass: (candidate, payment, resumed) => this.pass(request, candidate, payment, keys, challenge, now, events, span, resumed),
      })
      // Proven never charged: the claim it held is now this presentation's, and it goes on as a first one.
      if (again !== SETTLE_ANEW) return again
    }

    const denied = await authorizeStep(events, request, read.envelope, candidates, challenge).catch(async (error: unknown) => {
      await this.guard.releaseQuietly(keys)
      throw error
    })
    if (denied) {
      await this.guard.releaseQuietly(keys)
      return denied
    }
    const verified = await verifyStep(candidates, read.envelope, now, { guard: this.guard, keys, logger: this.logger, span })
    if (!verified.ok) return this.reject(verified.status, verified.reason, verified.publicDetail, challenge, verified.retryAfterSeconds)
    return this.pass(request, verified.candidate, verified.payment, keys, challenge, now, events, span, undefined, read.envelope)
  }

  /**
   * A pass, once the payer has a free slot: each pass may hold a handler's answer in memory until
   * it settles, so one wallet may not have more than the limit in progress at once.
   */
  private async pass(
    request: RequestLike,
    candidate: Candidate,
    payment: VerifiedPayment,
    keys: string[],
    challenge: ChallengeFactory,
    startedAt: number,
    events: GateEvents,
    span: GateSpan | undefined,
    resumed?: Resumed,
    envelope?: PaymentEnvelope,
  ): Promise<PaymentDecision> {
    const payer = payment.payer
    span?.setAttributes(paymentAttributes(payment, this.tracer?.recordPayer))
    if (!this.slots.acquire(payer)) {
      // Nothing was charged by this presentation: a new payment frees its claim, a resumed one its served lock.
      await (resumed ? this.ledger.unlock(resumed.key) : this.guard.releaseQuietly(keys))
      this.logger.warn?.('tollgate: payer has too many payments in progress', { payer, limit: this.slots.limit })
      return this.reject(429, Reason.tooManyPending, `at most ${this.slots.limit} payments of one payer may be in progress at once`, challenge)
    }
    if (!resumed) events.verified({ request, payment, latencyMs: this.clock() - startedAt })
    return createPass({
      candidate,
      payment,
      policy: this.policy,
      hold: this.hold,
      keys,
      guard: this.guard,
      ledger: this.ledger,
      logger: this.logger,
      clock: this.clock,
      challenge,
      done: () => this.slots.release(payer),
      events,
      startedAt,
      ...(span ? { span } : {}),
      ...(resumed ? { resumed } : {}),
      ...(envelope && this.options.async ? { queue: { async: this.options.async, envelope, route: this.options.name ?? firstRequestLabel(request) } } : {}),
    })
  }

  describe(): DiscoveryItem | undefined {
    return describeGate({ ...this.options, seen: this.seen, methods: this.methods, dynamic: this.dynamic, challenges: this.challenges, maxTimeoutSeconds: this.maxTimeoutSeconds, createdAt: this.createdAt })
  }

  identify(request: RequestLike): string[] | null {
    const read = readPayment(request)
    if (read.kind !== 'payment') return null
    const chosen = chooseCandidates(this.methods, read.envelope, this.clock())
    return 'candidates' in chosen ? [...new Set(chosen.candidates.flatMap((c) => c.replayKeys))].sort() : null
  }

  private reject(status: number, reason: ReasonCode, detail: string | undefined, challenge: ChallengeFactory, retryAfterSeconds?: number): PaymentDecision {
    const answer = challenge(status, reason, detail)
    return { type: 'reject', reason, ...answer, ...(retryAfterSeconds !== undefined ? { headers: withRetryAfter(answer.headers, retryAfterSeconds) } : {}) }
  }
}
