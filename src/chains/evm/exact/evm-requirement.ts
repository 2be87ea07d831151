import type { RequirementPair, ResourceContext } from '../../../methods/payment-method.js'
import type { EvmTerms } from './evm-terms.js'

/**
 * The `accepts` entry of EVM terms in both generations. The v1 form is left out for networks v1
 * clients do not know, since their client rejects a whole 402 with one unknown network name.
 */
export function evmRequirement(terms: EvmTerms, resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
  const { network, token, amount, payTo } = terms
  const extra = { name: token.name, version: token.version }
  const common = { scheme: 'exact', payTo, maxTimeoutSeconds, asset: token.address, extra }
  const v2 = { ...common, network: network.caip2, amount: amount.toString() }
  if (!network.v1Name) return { v2 }
  const v1 = {
    ...common,
    network: network.v1Name,
    maxAmountRequired: amount.toString(),
    resource: resource.url,
    description: resource.description,
    mimeType: resource.mimeType,
  }
  return { v1, v2 }
}
