import type { Store } from '../../stores/store.js'

/** How long a payer's unsettled-value counter lives from its first async payment; queued jobs settle well within it. */
export const CAP_LIFETIME_MS = 24 * 60 * 60_000

/** The counter of one payer's value served and not yet settled, per network and token. */
export function capKeyOf(network: string, asset: string, payer: string): string {
  return `async-unsettled:${network}:${asset.toLowerCase()}:${payer.toLowerCase()}`
}

/**
 * Takes `amount` (atomic units) from the payer's allowance of unsettled value, all or none, in one
 * atomic store step shared by every instance. False when the payer is at the cap (or the amount
 * alone exceeds it): that payment then settles before it is served.
 */
export async function reserveUnsettled(store: Store, key: string, amount: string, limit: bigint): Promise<boolean> {
  const value = BigInt(amount)
  if (value <= 0n || value > limit || value > BigInt(Number.MAX_SAFE_INTEGER) || limit > BigInt(Number.MAX_SAFE_INTEGER)) return false
  return (await store.take(key, Number(limit), CAP_LIFETIME_MS, Number(value))) !== null
}

/** The payment settled: its value no longer counts against the payer. */
export async function releaseUnsettled(store: Store, key: string, amount: string): Promise<void> {
  await store.giveBack(key, Number(BigInt(amount)))
}
