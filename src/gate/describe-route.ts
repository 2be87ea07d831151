import { bazaarExtension, isDiscoveryMethod, type DiscoveryOptions } from '../discovery/bazaar.js'
import { listedAccept, type DiscoveryItem } from '../discovery/listing.js'
import type { ResourceContext } from '../methods/payment-method.js'
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
