/**
 * What the page shows and what its script pays, read from the route's own v2 challenge: the
 * same requirements an API client gets, so the page can never pay for other terms.
 */
import { formatAmount } from '../money/parse-amount.js'
import type { PaymentRequiredV2, RequirementV2 } from '../protocol/wire-types.js'

/** Decimals and EIP-712 name of a token, for showing amounts in token units. */
export interface TokenDisplay {
  decimals: number
  name: string
  /** Solana only: the mint's token program (SPL Token or Token-2022), which the page's transfer runs under. */
  program?: string
}

/** What the core knows of a network and token: the seller's name for the network, the token's units. */
export interface DisplayLookup {
  network(caip2: string): string | undefined
  token(caip2: string, asset: string): TokenDisplay | undefined
}

/** The JSON the widget script reads (in a `<script type="application/json">` block). */
export interface PageData {
  required: PaymentRequiredV2
  /** Keyed `network|asset` (asset lower-cased): units of every token the page may show a price in. */
  tokens: Record<string, TokenDisplay>
  /** Keyed by CAIP-2 id: the seller's names of the networks. */
  networks: Record<string, string>
}

export interface PriceLine {
  price: string
  network: string
}

export function tokenKey(network: string, asset: string): string {
  return `${network}|${asset.toLowerCase()}`
}

export function pageData(required: PaymentRequiredV2, lookup: DisplayLookup): PageData {
  const tokens: Record<string, TokenDisplay> = {}
  const networks: Record<string, string> = {}
  for (const accept of required.accepts) {
    const token = lookup.token(accept.network, accept.asset)
    if (token) tokens[tokenKey(accept.network, accept.asset)] = token
    const name = lookup.network(accept.network)
    if (name) networks[accept.network] = name
  }
  return { required, tokens, networks }
}

/** One line per way to pay: '0.10 USDC' on 'base-sepolia'. Unknown tokens are shown in atomic units. */
export function priceLines(data: PageData): PriceLine[] {
  return data.required.accepts.map((accept) => ({ price: priceText(accept, data.tokens[tokenKey(accept.network, accept.asset)]), network: data.networks[accept.network] ?? accept.network }))
}

function priceText(accept: RequirementV2, token: TokenDisplay | undefined): string {
  if (!/^\d{1,78}$/.test(accept.amount)) return accept.amount
  const text = token ? `${formatAmount(BigInt(accept.amount), token.decimals)} ${token.name}` : `${accept.amount} atomic units of ${accept.asset}`
  return accept.scheme === 'upto' ? `up to ${text}` : text
}
