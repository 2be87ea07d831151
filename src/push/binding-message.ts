/**
 * What a buyer signs to bind a pushed payment to itself and to one request: without it, anyone
 * who sees the transfer on chain could present its hash first and take what it paid for. The
 * text names the chain (CAIP-2), the transaction (as the chain family writes it canonically: EVM
 * hashes in lowercase hex) and the request (method and the challenge's resource URL), so a
 * signature cannot be replayed for another transaction, chain, route or method.
 */
export interface BindingSubject {
  /** CAIP-2 id, e.g. 'eip155:8453' or 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'. */
  chain: string
  transaction: string
  /** HTTP method of the paid request. */
  method: string
  /** The resource URL of the route's challenge (by default the URL requested). */
  resource: string
}

export function pushBindingMessage(subject: BindingSubject): string {
  return [
    'x402 push payment',
    `chain: ${subject.chain}`,
    `transaction: ${subject.transaction}`,
    `request: ${subject.method.toUpperCase()} ${subject.resource}`,
  ].join('\n')
}
