/** The wire shapes the widget reads (x402 v2) and the page data the core embeds (see ../page-data.ts). */

export interface Requirement {
  scheme: string
  network: string
  asset: string
  amount: string
  payTo: string
  maxTimeoutSeconds: number
  extra?: Record<string, unknown>
}

export interface PaymentRequired {
  x402Version: 2
  error?: string
  resource: { url: string; description?: string; mimeType?: string }
  accepts: Requirement[]
  extensions?: Record<string, unknown>
}

export interface TokenDisplay {
  decimals: number
  name: string
}

export interface PageData {
  required: PaymentRequired
  tokens: Record<string, TokenDisplay>
  networks: Record<string, string>
}

/** The prepaid offer a route's 402 carries in `extensions.prepaid`. */
export interface PrepaidOffer {
  packages: string
  purchase: string
  header: string
  cost?: number
  acceptedPackages?: string[]
}

/** EIP-1193. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>
}

export interface WalletInfo {
  uuid: string
  name: string
  icon?: string
  rdns?: string
}

export interface Wallet {
  info: WalletInfo
  provider: Eip1193Provider
}
