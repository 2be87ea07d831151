/** Network names: the known ones are literals an editor offers, and any other string still type-checks. */
import { expectTypeOf } from 'vitest'
import type { KnownNetworkName, NetworkName, PaywallOptions } from '../../adapters/express.js'

// The literals survive in the union (a plain `string` would swallow them, and the editor would offer nothing).
expectTypeOf<Extract<NetworkName, 'base'>>().toEqualTypeOf<'base'>()
expectTypeOf<Extract<NetworkName, 'base-sepolia'>>().toEqualTypeOf<'base-sepolia'>()
expectTypeOf<KnownNetworkName>().toMatchTypeOf<NetworkName>()
expectTypeOf<'eip155:8453'>().toMatchTypeOf<KnownNetworkName>()

export const known: PaywallOptions = { amount: '0.10', network: 'base' }
export const caip2: PaywallOptions = { amount: '0.10', network: 'eip155:10' }
export const custom: PaywallOptions = { amount: '0.10', network: 'my-l2' }
export const several: PaywallOptions = { accepts: [{ amount: '0.10', network: 'polygon-amoy' }, { amount: '0.10', network: 'eip155:84532' }] }

// @ts-expect-error a chain id alone is not a network name
export const numeric: PaywallOptions = { amount: '0.10', network: 8453 }
// @ts-expect-error never a JavaScript number for an amount
export const float: PaywallOptions = { amount: 0.1, network: 'base' }
