/** `tollgate/solana`: x402 `exact` on Solana, verified locally and settled by the seller's own fee payer. */
export { solanaSettler } from './solana-settler.js'
export type { SolanaSettler, SolanaSettlerOptions } from './solana-settler.js'
export type { SolanaReadiness } from './readiness.js'
export type { SolanaExactSpec, SolanaTokenInfo } from './solana-terms.js'
export type { SolanaFamily } from './solana-family.js'
export type { Commitment } from './solana-chain.js'
export { solanaNetworks, SPL_TOKEN_PROGRAM, TOKEN_2022_PROGRAM } from './solana-networks.js'
export type { SolanaNetwork } from './solana-networks.js'
