import { isEvmAddress } from '../config/evm-address.js'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { EvmNetwork, NetworkDefinition, TokenInfo } from '../chains/evm/network/evm-network.js'
import { knownNetworks } from '../chains/evm/network/network-table.js'

/** Looks networks up by v1 name, seller name or CAIP-2 id, with the seller's definitions layered over the table. */
export class NetworkRegistry {
  private readonly byKey = new Map<string, EvmNetwork>()

  constructor(definitions: readonly NetworkDefinition[] = []) {
    for (const network of knownNetworks) this.add(network)
    const problems: string[] = []
    // Definitions may come from JSON: a list of objects with a name is the least merge() needs.
    if (!Array.isArray(definitions)) throw new ConfigurationError(['networks must be a list of { name, chainId?, rpcUrl?, asset? }'])
    for (const [index, definition] of definitions.entries()) {
      if (typeof definition !== 'object' || definition === null || typeof definition.name !== 'string' || definition.name === '') {
        problems.push(`networks[${index}] must be { name, chainId?, rpcUrl?, asset? } with a non-empty name`)
        continue
      }
      try {
        this.add(this.merge(definition))
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error
        problems.push(...error.problems)
      }
    }
    if (problems.length > 0) throw new ConfigurationError(problems)
  }

  /** Resolves `'base-sepolia'`, `'eip155:84532'` or a custom name; throws a ConfigurationError listing the known names. */
  resolve(id: string): EvmNetwork {
    const network = this.byKey.get(id)
    if (network) return network
    const names = [...new Set([...this.byKey.values()].map((n) => n.name))].join(', ')
    throw new ConfigurationError([`unknown network ${JSON.stringify(id)}; known: ${names} (or define it in \`networks\`)`])
  }

  private add(network: EvmNetwork): void {
    this.byKey.set(network.name, network)
    this.byKey.set(network.caip2, network)
    if (network.v1Name) this.byKey.set(network.v1Name, network)
  }

  private merge(definition: NetworkDefinition): EvmNetwork {
    const known = this.byKey.get(definition.name)
    const chainId = definition.chainId ?? known?.chainId
    const problems: string[] = []
    if (chainId === undefined || !Number.isSafeInteger(chainId) || chainId <= 0) {
      problems.push(`network ${JSON.stringify(definition.name)} needs a positive integer chainId`)
    }
    if (known && definition.chainId !== undefined && definition.chainId !== known.chainId) {
      problems.push(`network ${JSON.stringify(definition.name)} is chain ${known.chainId}; it cannot be redefined as chain ${definition.chainId}`)
    }
    if (definition.rpcUrl !== undefined && !isHttpUrl(definition.rpcUrl)) {
      problems.push(`network ${JSON.stringify(definition.name)}: rpcUrl must be an http(s) URL`)
    }
    if (definition.asset) problems.push(...tokenProblems(definition.asset, definition.name))
    if (problems.length > 0) throw new ConfigurationError(problems)
    const v1Name = definition.v1Name ?? known?.v1Name
    return {
      name: definition.name,
      ...(v1Name ? { v1Name } : {}),
      caip2: `eip155:${chainId as number}`,
      chainId: chainId as number,
      ...((definition.rpcUrl ?? known?.rpcUrl) ? { rpcUrl: definition.rpcUrl ?? known?.rpcUrl } : {}),
      ...((definition.asset ?? known?.asset) ? { asset: definition.asset ?? known?.asset } : {}),
    }
  }
}

/** Every problem with a token description, so a bad asset is reported before the first request. */
export function tokenProblems(token: TokenInfo, where: string): string[] {
  const problems: string[] = []
  if (!isEvmAddress(token.address)) problems.push(`${where}: asset address ${JSON.stringify(token.address)} is not an EVM address`)
  if (typeof token.name !== 'string' || token.name === '') problems.push(`${where}: asset needs its EIP-712 domain name`)
  if (typeof token.version !== 'string' || token.version === '') problems.push(`${where}: asset needs its EIP-712 domain version`)
  if (!Number.isInteger(token.decimals) || token.decimals < 0 || token.decimals > 36) {
    problems.push(`${where}: asset decimals must be an integer between 0 and 36`)
  }
  return problems
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
