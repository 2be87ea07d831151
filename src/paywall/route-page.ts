/**
 * A route's browser page from the configuration's and the route's `paywallPage`, with what the
 * core knows of its networks and tokens, so prices show in token units ('0.1 USDC').
 */
import type { TokenInfo } from '../chains/evm/network/evm-network.js'
import { solanaNetworkOf, SPL_TOKEN_PROGRAM, TOKEN_2022_PROGRAM, USDC_DECIMALS } from '../chains/solana/solana-networks.js'
import type { NetworkRegistry } from '../networks/resolve-network.js'
import { browserPage, type BrowserPage } from './browser-page.js'
import type { DisplayLookup, TokenDisplay } from './page-data.js'
import { mergePageOptions, paywallPageProblems } from './page-options.js'

/** A token as the page shows it: EVM tokens carry their EIP-712 name; Solana mints have none, but a token program. */
type PageToken = Pick<TokenInfo, 'decimals'> & { address: string; name?: string; tokenProgram?: string }

/** The route's accepted options as far as the page cares: a network name and maybe its own token. */
export interface PageAccept {
  network: string
  asset?: PageToken
}

/** Undefined when the page is off (`paywallPage: false`) or a setting is malformed (reported at setup). */
export function routePage(configPage: unknown, routePageOption: unknown, registry: NetworkRegistry, accepts: readonly PageAccept[]): BrowserPage | undefined {
  if (paywallPageProblems(configPage).length > 0 || paywallPageProblems(routePageOption).length > 0) return undefined
  const options = mergePageOptions(configPage, routePageOption)
  return options ? browserPage(options, displayLookup(registry, accepts)) : undefined
}

export function displayLookup(registry: NetworkRegistry, accepts: readonly PageAccept[]): DisplayLookup {
  const network = (id: string): { name: string; caip2: string; asset?: PageToken } | undefined => {
    const solana = solanaNetworkOf(id)
    if (solana) return { name: solana.name, caip2: solana.caip2, asset: { address: solana.usdc, decimals: USDC_DECIMALS, name: 'USDC', tokenProgram: SPL_TOKEN_PROGRAM } }
    try {
      return registry.resolve(id)
    } catch {
      return undefined // a network the core does not know: shown by its CAIP-2 id
    }
  }
  const own = accepts.flatMap((accept) => {
    const resolved = accept.asset ? network(accept.network) : undefined
    return resolved && accept.asset ? [{ caip2: resolved.caip2, token: accept.asset }] : []
  })
  const display = (token: PageToken, caip2: string): TokenDisplay => ({
    decimals: token.decimals,
    name: token.name ?? `tokens (${token.address.slice(0, 6)}…)`,
    // The page's Solana transfer runs under the mint's program (the seller checked it at setup).
    ...(caip2.startsWith('solana:') ? { program: token.tokenProgram === 'token-2022' ? TOKEN_2022_PROGRAM : token.tokenProgram && token.tokenProgram !== 'token' ? token.tokenProgram : SPL_TOKEN_PROGRAM } : {}),
  })
  return {
    network: (caip2) => network(caip2)?.name,
    token(caip2, asset) {
      // EVM addresses compare without case; Solana's base58 addresses are case-sensitive.
      const same = (token: PageToken) => (caip2.startsWith('eip155:') ? token.address.toLowerCase() === asset.toLowerCase() : token.address === asset)
      const mine = own.find((entry) => entry.caip2 === caip2 && same(entry.token))
      if (mine) return display(mine.token, caip2)
      const fallback = network(caip2)?.asset
      return fallback && same(fallback) ? display(fallback, caip2) : undefined
    },
  }
}
