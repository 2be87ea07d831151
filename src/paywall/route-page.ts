/**
 * A route's browser page from the configuration's and the route's `paywallPage`, with what the
 * core knows of its networks and tokens, so prices show in token units ('0.1 USDC').
 */
import type { TokenInfo } from '../chains/evm/network/evm-network.js'
import type { NetworkRegistry } from '../networks/resolve-network.js'
import { browserPage, type BrowserPage } from './browser-page.js'
import type { DisplayLookup, TokenDisplay } from './page-data.js'
import { mergePageOptions, paywallPageProblems } from './page-options.js'

/** The route's accepted options as far as the page cares: a network name and maybe its own token. */
export interface PageAccept {
  network: string
  asset?: TokenInfo
}

/** Undefined when the page is off (`paywallPage: false`) or a setting is malformed (reported at setup). */
export function routePage(configPage: unknown, routePageOption: unknown, registry: NetworkRegistry, accepts: readonly PageAccept[]): BrowserPage | undefined {
  if (paywallPageProblems(configPage).length > 0 || paywallPageProblems(routePageOption).length > 0) return undefined
  const options = mergePageOptions(configPage, routePageOption)
  return options ? browserPage(options, displayLookup(registry, accepts)) : undefined
}

export function displayLookup(registry: NetworkRegistry, accepts: readonly PageAccept[]): DisplayLookup {
  const network = (id: string) => {
    try {
      return registry.resolve(id)
    } catch {
      return undefined // another chain family's network (Solana): shown by its CAIP-2 id
    }
  }
  const own = accepts.flatMap((accept) => {
    const resolved = accept.asset ? network(accept.network) : undefined
    return resolved && accept.asset ? [{ caip2: resolved.caip2, token: accept.asset }] : []
  })
  const display = (token: TokenInfo): TokenDisplay => ({ decimals: token.decimals, name: token.name })
  return {
    network: (caip2) => network(caip2)?.name,
    token(caip2, asset) {
      const same = (token: TokenInfo) => token.address.toLowerCase() === asset.toLowerCase()
      const mine = own.find((entry) => entry.caip2 === caip2 && same(entry.token))
      if (mine) return display(mine.token)
      const fallback = network(caip2)?.asset
      return fallback && same(fallback) ? display(fallback) : undefined
    },
  }
}
