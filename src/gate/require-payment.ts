import { LRUCache } from 'lru-cache'
import { buildChallenge, PAYMENT_REQUIRED_ERROR } from '../challenge/build-challenge.js'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import { ChainUnavailableError, ProblemList, StoreUnavailableError } from '../errors/tollgate-error.js'
import type { RequestLike } from '../http/request-like.js'
import { silentLogger, type Logger } from '../logger.js'
import type { MethodContext, MethodSpec } from '../methods/evm-exact/evm-exact.js'
import type { PaymentMethod, ResourceContext, Verification } from '../methods/payment-method.js'
import type { Price } from '../money/parse-amount.js'
import type { NetworkDefinition } from '../networks/evm-network.js'
import { NetworkRegistry } from '../networks/resolve-network.js'
import { readPayment, type PaymentEnvelope } from '../protocol/read-payment.js'
import { ReplayGuard } from '../replay/replay-guard.js'
import type { EvmSettler } from '../settlers/evm-chain.js'
import { boundedStore } from '../stores/bounded-store.js'
import type { Store } from '../stores/store.js'
import { DEFAULT_HOLD, type HoldPolicy, type HttpAnswer, type PaymentDecision, type SettlementPolicy } from './decision.js'
import type { PayerSlots } from './payer-slots.js'
import type { PrepaidAcceptor } from './prepaid-acceptor.js'
import { preflightAnswer } from './preflight.js'
import { createPass, type Candidate } from './payment-pass.js'
import { sharedStore } from './shared-store.js'

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
  /** Cap on the handler output held back before settlement (default 4 MiB, overflow 'settle'). */
  hold?: Partial<HoldPolicy>
  /**
   * Most payments one payer may have verified and not yet settled or abandoned, across the routes
   * that share this limiter (default 8 per gate; createTollgate shares one across its routes).
   */
  pendingPerPayer?: PayerSlots
  /** Also accept prepaid credentials (see `prepaid` in the tollgate configuration). */
  prepaid?: PrepaidAcceptor
  logger?: Logger
  /** Milliseconds since the epoch; tests move time with it. */
  clock?: () => number
}

type ChallengeFactory = (status: number, reason: ReasonCode | typeof PAYMENT_REQUIRED_ERROR, detail?: string) => HttpAnswer

export interface PaymentGate {
  readonly policy: SettlementPolicy
  readonly methods: readonly PaymentMethod[]
  evaluate(request: RequestLike): Promise<PaymentDecision>
  /**
   * The replay keys of the payment a request carries, without claiming or verifying anything;
   * null when it carries none this gate accepts. Lets a caller find what a payment already bought.
   */
  identify(request: RequestLike): string[] | null
}

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
  const context: MethodContext = {
    ...(price ? { price: price.amount } : {}),
    ...(options.payTo ? { payTo: options.payTo } : {}),
    ...(options.settler ? { settler: options.settler } : {}),
    registry: registry ?? new NetworkRegistry(),
  }
  const built = registry ? methods.map((spec) => problems.collect(() => spec.build(context))) : []
  problems.throwIfAny()
  return new Gate(built as PaymentMethod[], store as Store, options, maxTimeoutSeconds)
}

class Gate implements PaymentGate {
  readonly policy: SettlementPolicy
  private readonly hold: HoldPolicy
  private readonly guard: ReplayGuard
  private readonly logger: Logger
  private readonly clock: () => number
  /** Bounded: URLs are chosen by clients, so the cache must not grow with them. */
  private readonly challenges = new LRUCache<string, HttpAnswer>({ max: 256 })

  constructor(
    readonly methods: readonly PaymentMethod[],
    store: Store,
    private readonly options: RequirePaymentOptions,
    private readonly maxTimeoutSeconds: number,
  ) {
    this.policy = options.settle ?? 'after-handler'
    this.hold = { ...DEFAULT_HOLD, ...options.hold }
    this.logger = options.logger ?? silentLogger
    this.guard = new ReplayGuard(boundedStore(store, options.storeTimeoutMs ?? 2_000), this.logger)
    this.clock = options.clock ?? Date.now
  }

  async evaluate(request: RequestLike): Promise<PaymentDecision> {
    if (request.method === 'OPTIONS' && request.headers.get('access-control-request-method') !== null) {
      return { type: 'preflight', ...preflightAnswer(request) }
    }
    const read = readPayment(request)
    const prepaid = this.options.prepaid
    const credential = prepaid ? request.headers.get(prepaid.header) : null
    if (read.kind === 'none') {
      if (credential === null || !prepaid) return this.plainChallenge(request)
      return prepaid.spend(credential, this.challengeFactory(request))
    }
    const challenge = this.challengeFactory(request)
    if (credential !== null) return this.reject(400, Reason.ambiguousPayment, 'send a prepaid credential or a payment, not both', challenge)
    if (read.kind === 'invalid') return this.reject(read.status, read.reason, read.detail, challenge)

    const now = this.clock()
    const chosen = this.choose(read.envelope, now)
    if ('reason' in chosen) return this.reject(chosen.status, chosen.reason, chosen.detail, challenge)
    // Methods that verify elsewhere (a facilitator) send the route's requirement in the payer's generation.
    const resource = this.resourceFor(request)
    const candidates: Candidate[] = chosen.candidates.map((c) => ({ ...c, requirement: c.method.requirement(resource, this.maxTimeoutSeconds) }))
    const keys = [...new Set(candidates.flatMap((c) => c.replayKeys))]
    const ttlMs = Math.max(...candidates.map((c) => c.replayTtlMs))

    try {
      if (!(await this.guard.claim(keys, ttlMs))) {
        return this.reject(409, Reason.replayed, 'this authorization was presented before', challenge)
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
      this.logger.error?.('tollgate: replay store unavailable, refusing payment', { error: error.message })
      return this.reject(503, Reason.storeUnavailable, undefined, challenge)
    }

    const verified = await this.verify(candidates, read.envelope, now).catch(async (error: unknown) => {
      await this.guard.releaseQuietly(keys)
      throw error
    })
    if (!verified.verification.ok) {
      await this.guard.releaseQuietly(keys)
      const { status, reason, detail } = verified.verification
      if (status === 503) this.logger.warn?.('tollgate: verification could not complete', { reason, detail })
      return this.reject(status, reason, detail, challenge)
    }
    return createPass({
      candidate: verified.candidate,
      payment: verified.verification.payment,
      policy: this.policy,
      hold: this.hold,
      keys,
      guard: this.guard,
      logger: this.logger,
      challenge,
    })
  }

  /**
   * The 402 for a request without payment is the same for every request to one URL, and it is the
   * answer an unpaid route gives most: build and encode it once per URL.
   */
  private plainChallenge(request: RequestLike): PaymentDecision {
    let answer = this.challenges.get(request.url)
    if (!answer) {
      // Frozen: one answer now serves many responses, so no adapter may change it for the next buyer.
      answer = deepFreeze(this.challengeFactory(request)(402, PAYMENT_REQUIRED_ERROR))
      this.challenges.set(request.url, answer)
    }
    return { type: 'challenge', ...answer }
  }

  /** Built only when an answer needs it: a pass (the hot path of prepaid calls) never does. */
  private challengeFactory(request: RequestLike): ChallengeFactory {
    return (status, reason, detail) => {
      const resource = this.resourceFor(request)
      const pairs = this.methods.map((m) => m.requirement(resource, this.maxTimeoutSeconds))
      const extras = this.options.prepaid?.discovery(request.url) ?? {}
      return buildChallenge(status, pairs, resource, { error: reason, ...(detail ? { detail } : {}) }, extras)
    }
  }

  identify(request: RequestLike): string[] | null {
    const read = readPayment(request)
    if (read.kind !== 'payment') return null
    const chosen = this.choose(read.envelope, this.clock())
    return 'candidates' in chosen ? [...new Set(chosen.candidates.flatMap((c) => c.replayKeys))].sort() : null
  }

  /** Every method that takes this payment; v1 payments name no asset, so several may. */
  private choose(envelope: PaymentEnvelope, now: number): { candidates: Omit<Candidate, 'requirement'>[] } | { status: 400 | 402; reason: ReasonCode; detail: string } {
    const candidates: Omit<Candidate, 'requirement'>[] = []
    let mismatch: { reason: ReasonCode; detail: string } | undefined
    for (const method of this.methods) {
      const inspection = method.inspect(envelope, now)
      if (inspection.kind === 'match') candidates.push({ method, ...inspection })
      else if (inspection.kind === 'mismatch') mismatch ??= inspection
      else if (inspection.kind === 'malformed') return { status: 400, reason: Reason.invalidPayload, detail: inspection.detail }
    }
    if (candidates.length > 0) return { candidates }
    if (mismatch) return { status: 402, ...mismatch }
    return this.methods.some((m) => m.scheme === envelope.scheme)
      ? { status: 402, reason: Reason.invalidNetwork, detail: `network ${envelope.network} is not accepted here` }
      : { status: 402, reason: Reason.unsupportedScheme, detail: `scheme ${envelope.scheme} is not accepted here` }
  }

  private async verify(candidates: Candidate[], envelope: PaymentEnvelope, now: number) {
    let first: { candidate: Candidate; verification: Verification } | undefined
    for (const candidate of candidates) {
      let verification: Verification
      try {
        verification = await candidate.method.verify(candidate.proof, envelope, now, candidate.requirement)
      } catch (error) {
        if (!(error instanceof ChainUnavailableError)) throw error
        verification = { ok: false, status: 503, reason: Reason.chainUnavailable, detail: error.message }
      }
      if (verification.ok) return { candidate, verification }
      first ??= { candidate, verification }
    }
    return first as { candidate: Candidate; verification: Verification }
  }

  private reject(status: number, reason: ReasonCode, detail: string | undefined, challenge: ChallengeFactory): PaymentDecision {
    return { type: 'reject', reason, ...challenge(status, reason, detail) }
  }

  private resourceFor(request: RequestLike): ResourceContext {
    const url = this.options.resource ?? request.url
    return {
      url,
      description: this.options.description ?? `Paid access to ${new URL(url).pathname}`,
      mimeType: this.options.mimeType ?? 'application/json',
    }
  }

}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
