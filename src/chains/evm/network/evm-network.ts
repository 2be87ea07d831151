import type { Address } from 'viem'

/** An ERC-20 token, with the EIP-712 domain its signatures use and how buyers can pay in it. */
export interface TokenInfo {
  address: Address
  /** EIP-712 domain name (USDC on Base Sepolia: 'USDC'; on Base mainnet: 'USD Coin'). */
  name: string
  /** EIP-712 domain version ('2' for USDC). */
  version: string
  decimals: number
  /**
   * How buyers can pay in this token: 'eip3009' (default: `transferWithAuthorization`, like USDC),
   * 'eip2612' (no EIP-3009 but EIP-2612 `permit`: paid through Permit2, with a gasless Permit2
   * approval offered in the 402), or 'permit2' (a plain ERC-20: paid through Permit2, which the
   * buyer must have approved once).
   */
  transfer?: 'eip3009' | 'eip2612' | 'permit2'
  /** The token also takes EIP-2612 permits (USDC does): routes paying it through Permit2 offer the gasless approval. */
  eip2612?: boolean
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
