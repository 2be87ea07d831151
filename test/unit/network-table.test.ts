/**
 * The known-network table is written as constants (the core must not load viem for it); these are
 * the facts it took from viem/chains, held to them here so that a wrong digit cannot pass.
 */
import { avalanche, avalancheFuji, base, baseSepolia, polygon, polygonAmoy } from 'viem/chains'
import { describe, expect, it } from 'vitest'
import { knownNetworks } from '../../src/chains/evm/network/network-table.js'

const viemChains = { base, 'base-sepolia': baseSepolia, avalanche, 'avalanche-fuji': avalancheFuji, polygon, 'polygon-amoy': polygonAmoy }

describe('known EVM networks', () => {
  it.each(Object.entries(viemChains))('%s has viem’s chain id, CAIP-2 id and default endpoint', (name, chain) => {
    const row = knownNetworks.find((n) => n.name === name)
    expect(row).toMatchObject({ v1Name: name, chainId: chain.id, caip2: `eip155:${chain.id}`, rpcUrl: chain.rpcUrls.default.http[0] })
  })

  it('lists exactly those networks, once each', () => {
    expect(knownNetworks.map((n) => n.name).sort()).toEqual(Object.keys(viemChains).sort())
  })
})
