import type { TermsChange } from '../gate/dynamic-terms.js'

/** How a pushed payment must be bound to its presenter (see binding-message.ts and the README). */
export type PushBinding = 'signature' | 'none'

/** What every push method checks, whatever the chain. */
export interface PushSettings {
  /** How old (block time) a transaction may be when presented, in seconds. */
  maxAgeSeconds: number
  binding: PushBinding
}

/** One token movement a transaction made: `amount` of `asset` to `to`, paid by one of `from`. */
export interface PushCredit {
  asset: string
  to: string
  /** Who paid it: one sender for an EVM Transfer log, the debited owners of that mint on Solana. */
  from: string[]
  amount: bigint
}

/** What the chain says about a presented transaction. */
export type PushReading =
  /** Unknown to the node: a wrong hash, or one not yet seen (`retryAfterSeconds`: when it may be, on fast chains). */
  | { state: 'not-found'; retryAfterSeconds?: number }
  /** Seen, but not confirmed enough yet; `retryAfterSeconds` is when it likely will be. */
  | { state: 'pending'; detail: string; retryAfterSeconds: number }
  /** Included and failed: it moved nothing. */
  | { state: 'failed'; detail: string }
  /** Included, successful and confirmed; `timestamp` in seconds (block time). */
  | { state: 'confirmed'; timestamp: number; credits: PushCredit[] }

/**
 * One chain family's side of a push method: its network, the route's terms in its own address
 * forms, and the reads. Reads throw ChainUnavailableError when the chain cannot answer.
 */
export interface PushChain {
  readonly family: string
  readonly network: { name: string; caip2: string; v1Name?: string }
  /** Token contract or mint. */
  readonly asset: string
  /** Shown as `token` in the WWW-Authenticate challenge ('USDC' for a network's USDC, else the address). */
  readonly tokenLabel: string
  readonly decimals: number
  /** Atomic units; a payment must bring at least this much. */
  readonly amount: bigint
  readonly payTo: string
  /** `signature` binding's name in challenges ('eip191', 'ed25519'). */
  readonly signatureKind: string
  /** The canonical form of a hash of this family (the replay key's), or null when it is not one. */
  canonicalHash(hash: string): string | null
  /** The canonical form of an address of this family, or null when it is not one. */
  canonicalAddress(address: string): string | null
  /** Whether a signature has this family's form (checked before anything is claimed). */
  signatureShape(signature: string): boolean
  read(hash: string): Promise<PushReading>
  /** The one of `senders` whose key signed `message`, or null. */
  signer(message: string, signature: string, senders: readonly string[]): Promise<string | null>
  /** The same chain with a per-request price or payee (dynamic terms). */
  priced(change: TermsChange): PushChain
}
