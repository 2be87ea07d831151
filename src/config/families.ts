/**
 * A configuration may serve several chain families: `payTo` and `settler` are then given per
 * family (`{ evm, solana }`), or as one value when one family is used. Solana support arrives as an
 * object from `tollgate/solana` (solanaSettler), so the core never loads a Solana package itself.
 */
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import { isSolanaFamily, type SolanaFamily } from '../chains/solana/solana-family.js'
import { isEvmAddress, looksLikeSolanaAddress } from './evm-address.js'
import { isRecord, show, unknownKeyProblems } from './config-shape.js'
import type { MethodSpec } from '../chains/evm/exact/evm-exact.js'
import type { SolanaTokenInfo } from '../chains/solana/solana-terms.js'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { DynamicTerms } from '../gate/dynamic-terms.js'
import type { Logger } from '../logger.js'
import type { PaymentMethod } from '../methods/payment-method.js'
import type { Price } from '../money/parse-amount.js'

/** The receiving address: one string (EVM or Solana), or one per family. */
export type PayTo = string | { evm?: `0x${string}`; solana?: string }
/** Who settles: an EVM settler, a Solana one (`solanaSettler` from tollgate/solana), or one per family. */
export type Settlers = EvmSettler | SolanaFamily | { evm?: EvmSettler; solana?: SolanaFamily }

const FAMILY_KEYS = ['evm', 'solana'] as const

export function payToOf(payTo: unknown): { evm?: `0x${string}`; solana?: string } {
  if (isEvmAddress(payTo)) return { evm: payTo }
  if (looksLikeSolanaAddress(payTo)) return { solana: payTo }
  if (!isRecord(payTo)) return {}
  return { ...(isEvmAddress(payTo.evm) ? { evm: payTo.evm } : {}), ...(looksLikeSolanaAddress(payTo.solana) ? { solana: payTo.solana } : {}) }
}

export function settlersOf(settler: unknown): { evm?: EvmSettler; solana?: SolanaFamily } {
  if (isSolanaFamily(settler)) return { solana: settler }
  if (isRecord(settler) && typeof settler.connect === 'function') return { evm: settler as unknown as EvmSettler }
  if (!isRecord(settler) || !Object.keys(settler).every((k) => (FAMILY_KEYS as readonly string[]).includes(k))) return {}
  return { ...(settler.evm !== undefined ? { evm: settler.evm as EvmSettler } : {}), ...(isSolanaFamily(settler.solana) ? { solana: settler.solana } : {}) }
}

/** Whether `settler` is given per family (`{ evm?, solana? }`) rather than as one settler. */
export function isPerFamily(settler: unknown): settler is Record<string, unknown> {
  if (!isRecord(settler) || typeof settler.connect === 'function' || isSolanaFamily(settler)) return false
  const keys = Object.keys(settler)
  return keys.length > 0 && keys.every((k) => (FAMILY_KEYS as readonly string[]).includes(k))
}

export function payToProblems(payTo: unknown): string[] {
  // The EVM wording stays as it was for EVM sellers; a Solana address or { evm, solana } is also taken.
  if (payTo === undefined) return ['payTo is missing: the EVM address that receives payments']
  if (typeof payTo === 'string') return isEvmAddress(payTo) || looksLikeSolanaAddress(payTo) ? [] : [`payTo ${show(payTo)} is not an EVM address${(payTo as string).startsWith('0x') ? '' : ' nor a Solana address'}`]
  if (!isRecord(payTo)) return [`payTo ${show(payTo)} is not an EVM address`]
  const problems = unknownKeyProblems(payTo, FAMILY_KEYS, 'payTo')
  if (payTo.evm === undefined && payTo.solana === undefined) problems.push('payTo needs an address for at least one family: { evm, solana }')
  if (payTo.evm !== undefined && !isEvmAddress(payTo.evm)) problems.push(`payTo.evm ${show(payTo.evm)} is not an EVM address`)
  if (payTo.solana !== undefined && !looksLikeSolanaAddress(payTo.solana)) problems.push(`payTo.solana ${show(payTo.solana)} is not a Solana address`)
  return problems
}

/** Problems with a per-family settler; the EVM settler itself is judged by the caller as before. */
export function perFamilySettlerProblems(settler: Record<string, unknown>): string[] {
  const problems = unknownKeyProblems(settler, FAMILY_KEYS, 'settler')
  if (settler.solana !== undefined && !isSolanaFamily(settler.solana)) problems.push("settler.solana must be solanaSettler({ secretKey, rpcUrl }) from 'tollgate/solana'")
  if (settler.evm === undefined && settler.solana === undefined) problems.push('settler needs at least one family: { evm: localSettler(...), solana: solanaSettler(...) }')
  return problems
}

/**
 * The method of one Solana accept option, built by the configured Solana family object; without
 * one the route cannot be built, and the seller is told what to add.
 */
export function solanaMethodSpec(
  option: { network: string; amount: unknown; asset?: unknown; payTo?: unknown; memo?: unknown },
  family: SolanaFamily | undefined,
  payTo: string | undefined,
  logger: Logger,
): MethodSpec {
  const dynamic: DynamicTerms = {
    ...(typeof option.amount === 'function' ? { amount: option.amount as DynamicTerms['amount'] } : {}),
    ...(typeof option.payTo === 'function' ? { payTo: option.payTo as DynamicTerms['payTo'] } : {}),
    ...(typeof option.memo === 'function' ? { memo: option.memo as DynamicTerms['memo'] } : {}),
  }
  const build = (): PaymentMethod => {
    const where = `network ${JSON.stringify(option.network)}`
    if (!family) throw new ConfigurationError([`${where}: Solana payments need settler: solanaSettler({ secretKey, rpcUrl }) from 'tollgate/solana' (or settler.solana)`])
    const receiver = typeof option.payTo === 'string' ? option.payTo : payTo
    if (!receiver) throw new ConfigurationError([`${where}: no Solana payTo; give payTo: { solana: '…' } in the configuration or payTo on the option`])
    return family.exact(
      {
        network: option.network,
        amount: typeof option.amount === 'function' ? { atomic: '1' } : (option.amount as Price),
        payTo: receiver,
        ...(option.asset ? { asset: option.asset as SolanaTokenInfo } : {}),
        ...(typeof option.memo === 'string' ? { memo: option.memo } : {}),
      },
      { logger },
    )
  }
  return Object.keys(dynamic).length > 0 ? { build, dynamic } : { build }
}
