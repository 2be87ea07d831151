import { buildChallenge, PAYMENT_REQUIRED_ERROR, type ChallengeDiscovery } from '../challenge/build-challenge.js'
import type { ReasonCode } from '../errors/reasons.js'
import type { RequestLike } from '../http/request-like.js'
import { bazaarExtension, isDiscoveryMethod, v1OutputSchema, type DiscoveryOptions } from '../discovery/bazaar.js'
import type { PaymentMethod, RequirementPair, ResourceContext } from '../methods/payment-method.js'
import type { HttpAnswer } from './decision.js'
import type { PrepaidAcceptor } from './prepaid-acceptor.js'
import { withPushChallenges } from '../push/push-challenge.js'
import { ChallengeCache } from './challenge-cache.js'

/** How long one URL's plain 402 is served from the cache before it is built again. */
const CHALLENGE_TTL_MS = 2_000

export type ChallengeFactory = (status: number, reason: ReasonCode | typeof PAYMENT_REQUIRED_ERROR, detail?: string) => HttpAnswer

export interface ChallengeSettings {
  resource?: string
  description?: string
  mimeType?: string
  maxTimeoutSeconds: number
  prepaid?: PrepaidAcceptor
  discovery?: DiscoveryOptions
}

/**
 * The 402 answers of one route. A request without payment gets the same answer for one URL (and,
 * for a dynamic route, one computed set of prices): it is built and encoded once, then served from
 * a bounded cache, since URLs and prices are chosen by clients.
 */
export class RouteChallenges {
  // Briefly: a requirement may carry chain hints that age (Solana's recentBlockhash, stale after about a minute),
  // and one built before the first hint was fetched carries none; a few seconds keeps both fresh at no real cost.
  private readonly cache = new ChallengeCache<HttpAnswer>(256, CHALLENGE_TTL_MS)
  /** Per HTTP method: at most six entries. */
  private readonly discoveries = new Map<string, ChallengeDiscovery | undefined>()

  constructor(private readonly settings: ChallengeSettings) {}

  /** The challenge for a request without payment; `priceKey` names the prices a dynamic route computed for it. */
  plain(request: RequestLike, methods: readonly PaymentMethod[], priceKey?: string): HttpAnswer {
    const method = this.settings.discovery ? `${request.method} ` : ''
    const key = priceKey === undefined ? `${method}${request.url}` : `${method}${request.url}\n${priceKey}`
    let answer = this.cache.get(key)
    if (!answer) {
      const resource = this.resourceFor(request)
      // Frozen: one answer now serves many responses, so no adapter may change it for the next buyer.
      answer = deepFreeze(this.build(request, resource, this.pairs(resource, methods), methods)(402, PAYMENT_REQUIRED_ERROR))
      this.cache.set(key, answer)
    }
    return answer
  }

  /** Built only when an answer needs it: a pass (the hot path of prepaid calls) never does. */
  factory(request: RequestLike, methods: readonly PaymentMethod[]): ChallengeFactory {
    return (status, reason, detail) => {
      const resource = this.resourceFor(request)
      return this.build(request, resource, this.pairs(resource, methods), methods)(status, reason, detail)
    }
  }

  resourceFor(request: RequestLike): ResourceContext {
    const url = this.settings.resource ?? request.url
    return {
      url,
      description: this.settings.description ?? `Paid access to ${new URL(url).pathname}`,
      mimeType: this.settings.mimeType ?? 'application/json',
    }
  }

  private pairs(resource: ResourceContext, methods: readonly PaymentMethod[]): RequirementPair[] {
    // Push methods answer in WWW-Authenticate only: `accepts` stays what x402 clients know.
    return methods.filter((m) => !m.wwwAuthenticate).map((m) => m.requirement(resource, this.settings.maxTimeoutSeconds))
  }

  private build(request: RequestLike, resource: ResourceContext, pairs: RequirementPair[], methods: readonly PaymentMethod[]): ChallengeFactory {
    const pushed = methods.flatMap((m) => (m.wwwAuthenticate ? [m.wwwAuthenticate()] : []))
    return (status, reason, detail) => {
      const extras = this.settings.prepaid?.discovery(request.url) ?? {}
      const answer = buildChallenge(status, pairs, resource, { error: reason, ...(detail ? { detail } : {}) }, extras, this.discoveryFor(request.method))
      return pushed.length > 0 ? { ...answer, headers: withPushChallenges(answer.headers, pushed) } : answer
    }
  }

  private discoveryFor(requestMethod: string): ChallengeDiscovery | undefined {
    const options = this.settings.discovery
    if (!options || options.discoverable === false) return undefined
    if (this.discoveries.has(requestMethod)) return this.discoveries.get(requestMethod)
    const method = options.method ?? requestMethod.toUpperCase()
    const found = isDiscoveryMethod(method) ? { bazaar: bazaarExtension(options, method), outputSchema: v1OutputSchema(options, method) } : undefined
    if (this.discoveries.size < 8) this.discoveries.set(requestMethod, found)
    return found
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
