import { bazaarExtension, isDiscoveryMethod, type DiscoveryOptions } from '../discovery/bazaar.js'
import { listedAccept, type DiscoveryItem } from '../discovery/listing.js'
import type { RequestLike } from '../http/request-like.js'
import type { PaymentMethod, ResourceContext } from '../methods/payment-method.js'
import type { RouteChallenges } from './route-challenges.js'
import type { RequirementV2 } from '../protocol/wire-types.js'
import type { DynamicTerms } from './dynamic-terms.js'
import type { ChallengeExtras } from './prepaid-acceptor.js'

export interface RouteDescription {
  resource: ResourceContext
  method: string
  requirements: RequirementV2[]
  dynamic?: readonly (DynamicTerms | undefined)[]
  discovery?: DiscoveryOptions
  prepaid?: ChallengeExtras
  lastUpdated: string
}

/** One item of the discovery listing: what the route's 402 says, without paying or pricing a request. */
export function describeRoute(route: RouteDescription): DiscoveryItem {
  const method = route.method.toUpperCase()
  const bazaar = route.discovery && isDiscoveryMethod(method) ? { bazaar: bazaarExtension(route.discovery, method) } : {}
  const extensions = { ...route.prepaid?.extensions, ...bazaar }
  return {
    resource: route.resource.url,
    type: 'http',
    x402Version: 2,
    accepts: route.requirements.map((requirement, i) => listedAccept(requirement, route.dynamic?.[i])),
    lastUpdated: route.lastUpdated,
    description: route.resource.description,
    mimeType: route.resource.mimeType,
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  }
}

export interface GateParts {
  resource?: string
  discovery?: DiscoveryOptions
  prepaid?: { discovery(requestUrl: string): ChallengeExtras }
  seen: { method: string; url: string } | undefined
  methods: readonly PaymentMethod[]
  dynamic: readonly (DynamicTerms | undefined)[] | undefined
  challenges: RouteChallenges
  maxTimeoutSeconds: number
  createdAt: string
}

/** A gate's listing item: at its `resource`, else at the first URL it served; none before, or when not discoverable. */
export function describeGate(gate: GateParts): DiscoveryItem | undefined {
  const url = gate.resource ?? gate.seen?.url
  if (!url || gate.discovery?.discoverable === false) return undefined
  // Before any request, a route that declares a body is taken for a POST.
  const method = gate.discovery?.method ?? gate.seen?.method ?? (gate.discovery?.bodyType ? 'POST' : 'GET')
  const resource = gate.challenges.resourceFor({ method, url, headers: new Headers() })
  return describeRoute({
    resource,
    method,
    requirements: gate.methods.filter((m) => !m.wwwAuthenticate).map((m) => m.requirement(resource, gate.maxTimeoutSeconds).v2),
    ...(gate.dynamic ? { dynamic: gate.dynamic } : {}),
    ...(gate.discovery ? { discovery: gate.discovery } : {}),
    ...(gate.prepaid ? { prepaid: gate.prepaid.discovery(url) } : {}),
    lastUpdated: gate.createdAt,
  })
}

/** The first request's method and URL without its query: where a route learns its own path. */
export function firstSeen(request: RequestLike): { method: string; url: string } | undefined {
  if (!URL.canParse(request.url)) return undefined
  const url = new URL(request.url)
  return { method: request.method.toUpperCase(), url: `${url.origin}${url.pathname}` }
}
