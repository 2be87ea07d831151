import type { Address } from '@solana/kit'
import type { RequirementPair, ResourceContext } from '../../methods/payment-method.js'
import type { BlockhashHint } from './blockhash-hints.js'
import type { SolanaTerms } from './solana-terms.js'

/** The `accepts` entry of Solana terms in both generations (every x402 v1 client knows the three cluster names). */
export function solanaRequirement(terms: SolanaTerms, feePayer: Address, hint: BlockhashHint | undefined, resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
  const extra: Record<string, unknown> = {
    feePayer,
    ...(terms.memo !== undefined ? { memo: terms.memo } : {}),
    ...(hint ? { recentBlockhash: hint.blockhash, lastValidBlockHeight: hint.lastValidBlockHeight } : {}),
  }
  const common = { scheme: 'exact', payTo: terms.payTo, maxTimeoutSeconds, asset: terms.mint, extra }
  const v2 = { ...common, network: terms.network.caip2, amount: terms.amount.toString() }
  const v1 = { ...common, network: terms.network.v1Name, maxAmountRequired: terms.amount.toString(), resource: resource.url, description: resource.description, mimeType: resource.mimeType }
  return { v1, v2 }
}
