import type { Address } from 'viem'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import type { EvmTerms } from '../exact/evm-terms.js'
import type { EvmChain } from '../settler/evm-chain.js'
import type { ContractCalls } from '../settler/contract-calls.js'
import { EXACT_PROXY_ADDRESS, UPTO_PROXY_ADDRESS } from './permit2-constants.js'

export type Permit2Scheme = 'exact' | 'upto'

/** EVM terms paid through Permit2 and an x402 proxy, with the chain they settle on. */
export type Permit2Terms = EvmTerms & {
  scheme: Permit2Scheme
  /** The x402 proxy the buyer's signature must name as spender, and that settles it. */
  proxy: Address
  /** The token takes EIP-2612 permits: the 402 offers gasless Permit2 approval (eip2612GasSponsoring). */
  eip2612: boolean
  chain: EvmChain
  calls: ContractCalls
}

/** Whether a token takes EIP-2612 permits, from the asset table (`transfer`) or its own flag. */
export function supportsEip2612(token: { transfer?: string; eip2612?: boolean }): boolean {
  return token.eip2612 ?? token.transfer === 'eip2612'
}

export function permit2Terms(terms: EvmTerms, scheme: Permit2Scheme, chain: EvmChain): Permit2Terms {
  const calls = chain.contracts
  if (!calls) throw new ConfigurationError([`network ${terms.network.name}: this settler cannot send contract calls, which Permit2 payments need`])
  return { ...terms, scheme, proxy: scheme === 'upto' ? UPTO_PROXY_ADDRESS : EXACT_PROXY_ADDRESS, eip2612: supportsEip2612(terms.token), chain, calls }
}

/** e.g. 'exact-permit2:eip155:84532:0xabc…' or 'upto:eip155:84532:0xabc…' */
export function permit2TermsId(terms: Permit2Terms): string {
  return `${terms.scheme === 'upto' ? 'upto' : 'exact-permit2'}:${terms.network.caip2}:${terms.token.address.toLowerCase()}`
}
