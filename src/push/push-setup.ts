import type { MethodSpec } from '../chains/evm/exact/evm-exact.js'
import type { DynamicTerms } from '../gate/dynamic-terms.js'
import type { Price } from '../money/parse-amount.js'
import type { NetworkRegistry } from '../networks/resolve-network.js'
import type { PushSettings } from './push-chain.js'

/** One accept option of a route, as a push setup sees it (functions of the request are in `dynamic`). */
export interface PushOption {
  network: string
  /** A placeholder when the amount is a function of the request. */
  amount: Price
  asset?: unknown
  payTo?: unknown
  dynamic?: DynamicTerms
}

/**
 * Payments pushed on chain first for one chain family, as the tollgate configuration's `push`
 * takes them: `evmPush({...})` from 'tollgate', `solanaPush({...})` from 'tollgate/solana'.
 */
export interface PushSetup {
  readonly kind: 'tollgate-push'
  /** 'evm', 'solana'. */
  readonly family: string
  readonly settings: PushSettings
  /** The push method of one accept option, or undefined when its network is not of this family. */
  methodFor(option: PushOption, env: PushEnvironment): MethodSpec | undefined
}

/** What a push setup needs from the tollgate configuration. */
export interface PushEnvironment {
  registry: NetworkRegistry
  /** The configuration's `payTo` as given: one address or `{ evm, solana }`. */
  payTo: unknown
}

export function isPushSetup(value: unknown): value is PushSetup {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tollgate-push' && typeof (value as { methodFor?: unknown }).methodFor === 'function'
}

/** The push setups of a configuration's `push` (one or a list); what is not one is reported by pushConfigProblems. */
export function pushSetupsOf(push: unknown): PushSetup[] {
  return (Array.isArray(push) ? push : push === undefined ? [] : [push]).filter(isPushSetup)
}

/** Problems with the configuration's `push`: a setup or a list of setups, at most one per family. */
export function pushConfigProblems(push: unknown): string[] {
  if (push === undefined) return []
  const list = Array.isArray(push) ? push : [push]
  const problems: string[] = []
  if (list.length === 0) problems.push('push must not be an empty list')
  const families = new Set<string>()
  for (const [i, setup] of list.entries()) {
    const where = Array.isArray(push) ? `push[${i}]` : 'push'
    if (!isPushSetup(setup)) {
      problems.push(`${where} must be made by evmPush({...}) from 'tollgate' or solanaPush({...}) from 'tollgate/solana'`)
      continue
    }
    if (families.has(setup.family)) problems.push(`${where}: a second ${setup.family} push setup; give one per chain family`)
    families.add(setup.family)
  }
  return problems
}

/**
 * The push methods of a route with `push: true`: one per accept option whose network has a push
 * setup. Appended after the x402 methods, so the x402 methods keep their places in `accepts`.
 */
export function pushMethodSpecs(setups: readonly PushSetup[], options: readonly PushOption[], env: { registry: NetworkRegistry | undefined; payTo: unknown }, problems: string[]): MethodSpec[] {
  if (setups.length === 0) {
    problems.push('route accepts pushed payments (push: true), but tollgate has no `push` configuration (evmPush({...}) or solanaPush({...}))')
    return []
  }
  const registry = env.registry
  if (!registry) return []
  const specs = options.flatMap((option) => {
    for (const setup of setups) {
      const spec = setup.methodFor(option, { registry, payTo: env.payTo })
      if (spec) return [option.dynamic ? { ...spec, dynamic: option.dynamic } : spec]
    }
    return []
  })
  if (specs.length === 0 && options.length > 0) problems.push(`route accepts pushed payments (push: true), but none of its networks has a push setup (configured: ${setups.map((s) => s.family).join(', ')})`)
  return specs
}

/** A route's accept options as push setups take them: functions of the request become dynamic terms over a placeholder. */
export function pushOptionsOf(accepts: ReadonlyArray<{ amount: unknown; network: string; asset?: unknown; payTo?: unknown }>): PushOption[] {
  return accepts.map((option) => {
    const dynamic: DynamicTerms = {
      ...(typeof option.amount === 'function' ? { amount: option.amount as DynamicTerms['amount'] } : {}),
      ...(typeof option.payTo === 'function' ? { payTo: option.payTo as DynamicTerms['payTo'] } : {}),
    }
    return {
      network: option.network,
      amount: typeof option.amount === 'function' ? { atomic: '1' } : (option.amount as Price),
      ...(option.asset !== undefined ? { asset: option.asset } : {}),
      ...(option.payTo !== undefined && typeof option.payTo !== 'function' ? { payTo: option.payTo } : {}),
      ...(Object.keys(dynamic).length > 0 ? { dynamic } : {}),
    }
  })
}
