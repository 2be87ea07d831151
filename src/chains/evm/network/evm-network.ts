import type { Address } from 'viem'

/** An ERC-20 token that supports EIP-3009, with the EIP-712 domain its signatures use. */
export interface TokenInfo {
  address: Address
  /** EIP-712 domain name (USDC on Base Sepolia: 'USDC'; on Base mainnet: 'USD Coin'). */
  name: string
  /** EIP-712 domain version ('2' for USDC). */
  version: string
  decimals: number
}

/** An EVM network as tollgate uses it: both protocol generations' names, the chain, a default token. */
export interface EvmNetwork {
  /** The name sellers write in `paywall({ network })`: the v1 name for known networks. */
  name: string
  /** The x402 v1 network name; absent for networks v1 clients do not know (they are left out of v1 bodies). */
  v1Name?: string
  /** CAIP-2 id used by x402 v2, e.g. 'eip155:84532'. */
  caip2: `eip155:${number}`
  chainId: number
  /** JSON-RPC endpoint for chain reads and settlement when the settler is given none. */
  rpcUrl?: string
  /** The token a route on this network charges in unless it names another (USDC for known networks). */
  asset?: TokenInfo
}

/**
 * A seller-supplied network: a new EVM chain or token, or an override of a known network
 * (same `name`) to point it at another RPC endpoint or token (tests point base-sepolia at anvil).
 */
export interface NetworkDefinition {
  name: string
  chainId?: number
  v1Name?: string
  rpcUrl?: string
  asset?: TokenInfo
}
