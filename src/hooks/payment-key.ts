/**
 * A payment's key as hooks and ledgers see it: its replay keys, deduplicated, sorted and joined
 * with '|'. The same for every presentation of one payment, so the `authorize` event and the
 * settlement events of one payment carry the same key (a risk decision joins its receipt on it).
 */
export function paymentKeyOf(replayKeys: readonly string[]): string {
  return [...new Set(replayKeys)].sort().join('|')
}
