import type { EvmNetwork, TokenInfo } from './evm-network.js'

/*
 * Constants rather than viem/chains: the table is read by the chain-neutral core (network names in
 * every configuration), and a seller who takes only Solana payments must not load viem. The chain
 * ids and public endpoints are viem's (2.57); a test holds them to viem/chains.
 */

const usdc = (address: `0x${string}`, name: string): TokenInfo => ({ address, name, version: '2', decimals: 6 })

const row = (chainId: number, rpcUrl: string, v1Name: string, asset: TokenInfo): EvmNetwork => ({
  name: v1Name,
  v1Name,
  caip2: `eip155:${chainId}`,
  chainId,
  rpcUrl,
  asset,
})

/** Networks every x402 v1 client knows by name, with Circle's USDC as the default asset. */
export const knownNetworks: readonly EvmNetwork[] = [
  row(8453, 'https://mainnet.base.org', 'base', usdc('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD Coin')),
  row(84532, 'https://sepolia.base.org', 'base-sepolia', usdc('0x036CbD53842c5426634e7929541eC2318f3dCF7e', 'USDC')),
  row(43114, 'https://api.avax.network/ext/bc/C/rpc', 'avalanche', usdc('0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin')),
  row(43113, 'https://api.avax-test.network/ext/bc/C/rpc', 'avalanche-fuji', usdc('0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin')),
  row(137, 'https://polygon.drpc.org', 'polygon', usdc('0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 'USD Coin')),
  row(80002, 'https://polygon-amoy.drpc.org', 'polygon-amoy', usdc('0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582', 'USDC')),
]
