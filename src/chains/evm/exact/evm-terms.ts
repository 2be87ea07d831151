import type { Address } from 'viem'
import { checksumAddress, isEvmAddress } from '../../../config/evm-address.js'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import { parseAmount, type Price } from '../../../money/parse-amount.js'
import type { EvmNetwork, TokenInfo } from '../network/evm-network.js'
import { tokenProblems, type NetworkRegistry } from '../../../networks/resolve-network.js'
import type { EvmSettler } from '../settler/evm-chain.js'

export interface EvmExactOptions {
  /** 'base-sepolia', 'eip155:84532' or a network defined in the gate's `networks`. */
  network: string
  /** Defaults to the gate's price. */
  amount?: Price
  /** Defaults to the gate's payTo. */
  payTo?: Address
  /** Defaults to the network's USDC. */
  asset?: TokenInfo
}

/** What a method needs from the gate that mounts it. */
export interface MethodContext {
  price?: Price
  payTo?: Address
  registry: NetworkRegistry
  settler?: EvmSettler
}

/**
 * Resolved, validated terms of one EVM `exact` requirement: what the buyer must sign. Shared by
 * every way of checking and settling such a payment (locally, or through a facilitator).
 */
export interface EvmTerms {
  network: EvmNetwork
  token: TokenInfo
  amount: bigint
  payTo: Address
}

/**
 * Resolves a route's EVM terms against the gate's defaults. `more` are the caller's own problems
 * (a missing settler or facilitator), thrown together with these so the seller sees them all at once.
 */
export function resolveTerms(options: EvmExactOptions, context: MethodContext, more: readonly string[] = []): EvmTerms {
  const where = `network ${JSON.stringify(options.network)}`
  const problems: string[] = []
  let network: EvmNetwork | undefined
  try {
    network = context.registry.resolve(options.network)
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    problems.push(...error.problems)
  }
  const token = options.asset ?? network?.asset
  if (network && !token) problems.push(`${where} has no default asset; give \`asset\` (address, name, version, decimals)`)
  if (options.asset) problems.push(...tokenProblems(options.asset, where))
  const payTo = options.payTo ?? context.payTo
  if (!payTo || !isEvmAddress(payTo)) problems.push(`${where}: payTo ${JSON.stringify(payTo)} is not an EVM address`)
  const price = options.amount ?? context.price
  let amount: bigint | undefined
  if (price === undefined) problems.push(`${where}: no amount given`)
  else if (token && tokenProblems(token, where).length === 0) {
    try {
      amount = parseAmount(price, token.decimals)
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      problems.push(...error.problems.map((p) => `${where}: ${p}`))
    }
  }
  problems.push(...more.map((p) => `${where}: ${p}`))
  if (problems.length > 0 || !network || !token || amount === undefined) throw new ConfigurationError(problems)
  return { network, token: { ...token, address: checksumAddress(token.address) }, amount, payTo: checksumAddress(payTo as string) }
}

/** The id a method built on these terms goes by, e.g. 'exact:eip155:84532:0x036c…'. */
export function termsId(terms: EvmTerms): string {
  return `exact:${terms.network.caip2}:${terms.token.address.toLowerCase()}`
}

/**
 * Terms with a per-request amount and/or payee (dynamic prices), checked as strictly as configured
 * ones: a value that is not a price of this token, or not an address, is a ConfigurationError.
 */
export function repriceTerms<T extends EvmTerms>(terms: T, change: { amount?: unknown; payTo?: unknown }): T {
  const problems: string[] = []
  let amount = terms.amount
  let payTo = terms.payTo
  if ('amount' in change) {
    try {
      amount = parseAmount(change.amount as Price, terms.token.decimals)
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      problems.push(...error.problems)
    }
  }
  if ('payTo' in change) {
    if (typeof change.payTo === 'string' && isEvmAddress(change.payTo)) payTo = checksumAddress(change.payTo)
    else problems.push(`payTo ${typeof change.payTo === 'string' ? JSON.stringify(change.payTo.slice(0, 60)) : typeof change.payTo} is not an EVM address`)
  }
  if (problems.length > 0) throw new ConfigurationError(problems)
  return { ...terms, amount, payTo }
}

/** A copy of a method object with other terms: same prototype, same connections, other `terms`. */
export function withTerms<M extends object>(method: M, terms: unknown): M {
  return Object.assign(Object.create(Object.getPrototypeOf(method) as object) as M, method, { terms })
}
