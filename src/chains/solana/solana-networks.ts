/**
 * The Solana clusters x402 names, as plain constants: the core tells a Solana option from an EVM
 * one with this table alone, without loading any Solana package.
 */
export interface SolanaNetwork {
  /** The name sellers write, which is also the x402 v1 name. */
  name: 'solana' | 'solana-devnet' | 'solana-testnet'
  v1Name: string
  /** CAIP-2 id used by x402 v2 (the genesis hash prefix). */
  caip2: `solana:${string}`
  /** Circle's USDC on this cluster (6 decimals, SPL Token program). */
  usdc: string
}

export const SPL_TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'
export const USDC_DECIMALS = 6

export const solanaNetworks: readonly SolanaNetwork[] = [
  { name: 'solana', v1Name: 'solana', caip2: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', usdc: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v' },
  { name: 'solana-devnet', v1Name: 'solana-devnet', caip2: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', usdc: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU' },
  { name: 'solana-testnet', v1Name: 'solana-testnet', caip2: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z', usdc: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU' },
]

/** The cluster a seller's network name or CAIP-2 id names, or undefined for any other network. */
export function solanaNetworkOf(id: string): SolanaNetwork | undefined {
  return solanaNetworks.find((n) => n.name === id || n.caip2 === id)
}

/** Whether an id looks like a Solana network at all (a `solana…` name or CAIP-2 namespace). */
export function looksSolana(id: string): boolean {
  return id === 'solana' || id.startsWith('solana-') || id.startsWith('solana:')
}
