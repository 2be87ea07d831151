import type { PushCredit } from '../../../push/push-chain.js'

/** One entry of `meta.preTokenBalances` / `postTokenBalances` as a node answers `getTransaction`. */
export interface RpcTokenBalance {
  accountIndex: number
  mint: string
  owner?: string
  uiTokenAmount: { amount: string }
}

/**
 * What a transaction moved, by token balance deltas: per mint, each owner whose balance rose is
 * credited its rise, paid by the owners whose balance of that mint fell. Balances are read before
 * and after the whole transaction, so TransferChecked, Transfer and any program's transfers count
 * the same, and nothing can be counted twice.
 */
export function creditsOf(pre: readonly RpcTokenBalance[], post: readonly RpcTokenBalance[]): PushCredit[] {
  const accounts = new Map<number, { mint: string; owner: string; pre: bigint; post: bigint }>()
  const note = (entry: RpcTokenBalance, side: 'pre' | 'post') => {
    if (typeof entry.owner !== 'string' || !/^\d+$/.test(entry.uiTokenAmount?.amount ?? '')) return
    const account = accounts.get(entry.accountIndex) ?? { mint: entry.mint, owner: entry.owner, pre: 0n, post: 0n }
    account[side] = BigInt(entry.uiTokenAmount.amount)
    accounts.set(entry.accountIndex, account)
  }
  for (const entry of pre) note(entry, 'pre')
  for (const entry of post) note(entry, 'post')
  const deltas = new Map<string, Map<string, bigint>>()
  for (const { mint, owner, pre: before, post: after } of accounts.values()) {
    const byOwner = deltas.get(mint) ?? new Map<string, bigint>()
    byOwner.set(owner, (byOwner.get(owner) ?? 0n) + after - before)
    deltas.set(mint, byOwner)
  }
  const credits: PushCredit[] = []
  for (const [mint, byOwner] of deltas) {
    const payers = [...byOwner].filter(([, delta]) => delta < 0n).map(([owner]) => owner)
    for (const [owner, delta] of byOwner) if (delta > 0n) credits.push({ asset: mint, to: owner, from: payers, amount: delta })
  }
  return credits
}
