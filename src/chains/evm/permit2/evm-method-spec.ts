import type { Price } from '../../../money/parse-amount.js'
import type { NetworkRegistry } from '../../../networks/resolve-network.js'
import type { MethodSpec } from '../exact/evm-exact.js'
import { evmExact } from '../exact/evm-exact.js'
import type { EvmExactOptions } from '../exact/evm-terms.js'
import type { TokenInfo } from '../network/evm-network.js'
import { evmUpto } from '../upto/upto-method.js'
import { evmPermit2 } from './permit2-method.js'

/** What an accepted option says about how it is paid. */
export interface TransferChoice {
  scheme?: 'exact' | 'upto'
  assetTransferMethod?: 'eip3009' | 'permit2'
}

/**
 * How an option is paid: upto always through Permit2; exact through the option's
 * `assetTransferMethod`, else the token's own (`transfer` in the asset table: a token without
 * EIP-3009 is paid through Permit2).
 */
export function transferMethodOf(choice: TransferChoice, token: TokenInfo | undefined): 'eip3009' | 'permit2' {
  if (choice.scheme === 'upto') return 'permit2'
  if (choice.assetTransferMethod) return choice.assetTransferMethod
  return token?.transfer === 'eip2612' || token?.transfer === 'permit2' ? 'permit2' : 'eip3009'
}

/** The token an option charges in: its own, else its network's default (unknown networks are reported when the method is built). */
export function optionToken(asset: TokenInfo | undefined, network: string, registry: NetworkRegistry | undefined): TokenInfo | undefined {
  if (asset) return asset
  try {
    return registry?.resolve(network).asset
  } catch {
    return undefined
  }
}

/**
 * The local method of an EVM option, by scheme and transfer method. `exactEip3009` builds the
 * EIP-3009 one (locally or through a facilitator, as the gate is configured).
 */
export function evmMethodSpec<S extends EvmExactOptions & { amount: Price }>(choice: TransferChoice, spec: S, registry: NetworkRegistry | undefined, exactEip3009: (spec: S) => MethodSpec = evmExact): MethodSpec {
  if (choice.scheme === 'upto') {
    const { amount, ...rest } = spec
    return evmUpto({ ...rest, max: amount })
  }
  if (transferMethodOf(choice, optionToken(spec.asset, spec.network, registry)) === 'permit2') return evmPermit2(spec)
  return exactEip3009(spec)
}

/** Whether an option is paid through Permit2 (upto, or exact in a token or with a method that says so). */
export function isPermit2Option(option: TransferChoice & { asset?: unknown; network: string }, registry: NetworkRegistry | undefined): boolean {
  return transferMethodOf(option, optionToken(option.asset as TokenInfo | undefined, option.network, registry)) === 'permit2'
}

/** An upto option with its `max` as the amount its buyers sign for; other options unchanged. */
export function uptoAsAmount<O extends { scheme?: string; max?: unknown; amount?: unknown }>(option: O): Omit<O, 'max'> & { amount: NonNullable<O['amount']> } {
  if (option.scheme !== 'upto') return option as Omit<O, 'max'> & { amount: NonNullable<O['amount']> }
  const { max, ...rest } = option
  return { ...rest, amount: max } as Omit<O, 'max'> & { amount: NonNullable<O['amount']> }
}
