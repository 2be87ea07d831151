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
  /** Solana: the mint's token program (SPL Token or Token-2022), which the transfer runs under. */
  program?: string
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

/** A wallet of one family: an EIP-1193 provider (EVM) or a Wallet Standard wallet (Solana). */
export interface Wallet<P = Eip1193Provider> {
  info: WalletInfo
  provider: P
}

/** The Wallet Standard's wallet and account, as far as the page uses them. */
export interface StandardAccount {
  address: string
  publicKey?: Uint8Array
  chains?: readonly string[]
  features?: readonly string[]
}

export interface StandardWallet {
  name: string
  icon?: string
  chains: readonly string[]
  accounts: readonly StandardAccount[]
  features: Record<string, unknown>
}
