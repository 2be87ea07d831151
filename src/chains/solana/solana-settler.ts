import type { Address } from '@solana/kit'
import { ConfigurationError } from '../../errors/tollgate-error.js'
import { redactUrl } from '../../errors/redact.js'
import type { Logger } from '../../logger.js'
import type { PaymentMethod } from '../../methods/payment-method.js'
import { BlockhashHints } from './blockhash-hints.js'
import { feePayerKey } from './fee-payer-key.js'
import { checkReadiness, type Destination, type SolanaReadiness } from './readiness.js'
import type { Commitment, SolanaChain } from './solana-chain.js'
import { SolanaExactMethod } from './solana-exact.js'
import type { SolanaFamily } from './solana-family.js'
import { solanaRpc } from './solana-rpc.js'
import { SolanaFacilitation } from './solana-facilitation.js'
import { solanaNetworkOf, type SolanaNetwork } from './solana-networks.js'
import type { ReplayGuard } from '../../replay/replay-guard.js'
import type { PendingLedger } from '../../settlement/pending-ledger.js'
import { resolveSolanaTerms, type SolanaExactSpec } from './solana-terms.js'

export interface SolanaSettlerOptions {
  /** The fee payer's 64-byte secret key (bytes, the JSON array `solana-keygen` writes, or base58). It needs SOL. */
  secretKey: Uint8Array | readonly number[] | string
  /** JSON-RPC endpoint of the cluster (never shown to buyers or written to logs). */
  rpcUrl: string
  /** Commitment a settlement must reach before the buyer is served (default 'confirmed'). */
  commitment?: Commitment
  /** How long settlement waits for that commitment before answering 503 settlement_unknown (default 30 000 ms). */
  confirmTimeoutMs?: number
  /** Bound on each RPC call (default 5 000 ms); past it verification answers 503 and nothing is charged. */
  rpcTimeoutMs?: number
  /** Highest SetComputeUnitLimit a buyer may ask the fee payer to fund (default 100 000). */
  maxComputeUnits?: number
  /** Highest SetComputeUnitPrice in µlamports per unit (default 100 000, i.e. at most 0.01 SOL-cent per payment at the CU cap). */
  maxPriorityFeeMicroLamports?: number | bigint
  /** Below this balance `ready()` reports the fee payer as short of SOL (default 1 000 000 lamports = 0.001 SOL). */
  minFeePayerLamports?: number | bigint
  /** Check the fee payer and the routes' token accounts when the first Solana route is built, logging problems (default true). */
  checkOnStart?: boolean
}

/** Settles Solana payments from the seller's own fee payer; give it as `settler` (or `settler.solana`). */
export interface SolanaSettler extends SolanaFamily {
  /** The fee payer's address: `extra.feePayer` of every Solana requirement. */
  readonly feePayer: Address
  /** Whether the fee payer holds SOL and every route's mint and payTo token account exist. */
  ready(): Promise<SolanaReadiness>
  /** For `tollgate/facilitator`: this settler behind the facilitator API, for the given clusters. */
  facilitation(networks: readonly string[], parts: { guard: ReplayGuard; ledger: PendingLedger; logger: Logger }): SolanaFacilitation
}

const COMMITMENTS = ['processed', 'confirmed', 'finalized'] as const

/** The seller's own Solana settler: verifies locally, co-signs as fee payer, sends and confirms. */
export function solanaSettler(options: SolanaSettlerOptions): SolanaSettler {
  const problems: string[] = []
  const o = (typeof options === 'object' && options !== null ? options : {}) as Partial<SolanaSettlerOptions>
  const key = feePayerKey(o.secretKey)
  if (typeof key === 'string') problems.push(`solanaSettler: ${key}`)
  if (typeof o.rpcUrl !== 'string' || !/^https?:\/\//.test(o.rpcUrl) || !URL.canParse(o.rpcUrl)) problems.push('solanaSettler: rpcUrl must be an http(s) URL of a Solana JSON-RPC endpoint')
  const commitment = o.commitment ?? 'confirmed'
  if (!COMMITMENTS.includes(commitment)) problems.push(`solanaSettler: commitment must be one of ${COMMITMENTS.join(', ')}`)
  const positive = (name: keyof SolanaSettlerOptions, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback
    if (!Number.isSafeInteger(value) || (value as number) <= 0) problems.push(`solanaSettler: ${name} must be a positive integer`)
    return value as number
  }
  const confirmTimeoutMs = positive('confirmTimeoutMs', o.confirmTimeoutMs, 30_000)
  const rpcTimeoutMs = positive('rpcTimeoutMs', o.rpcTimeoutMs, 5_000)
  const maxComputeUnits = positive('maxComputeUnits', o.maxComputeUnits, 100_000)
  const maxPrice = bigintOption('maxPriorityFeeMicroLamports', o.maxPriorityFeeMicroLamports, 100_000n, problems)
  const minLamports = bigintOption('minFeePayerLamports', o.minFeePayerLamports, 1_000_000n, problems)
  if (problems.length > 0 || typeof key === 'string') throw new ConfigurationError(problems)

  const rpc = solanaRpc(o.rpcUrl as string, rpcTimeoutMs)
  const chain: SolanaChain = {
    rpc,
    feePayer: key,
    commitment,
    caps: { maxComputeUnits, maxPriorityFeeMicroLamports: maxPrice },
    hints: new BlockhashHints(rpc, commitment),
    confirmTimeoutMs,
    pollIntervalsMs: [100, 250, 250, 500, 500, 1_000],
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }
  const destinations: Destination[] = []
  const ready = () => checkReadiness(chain, destinations, minLamports)
  let checkScheduled = false
  return {
    family: 'solana',
    feePayer: key.address,
    ready,
    facilitation(networks, parts) {
      const served = networks.map((name) => solanaNetworkOf(name))
      const unknown = networks.filter((_, i) => !served[i])
      if (unknown.length > 0 || networks.length === 0) throw new ConfigurationError([`facilitatorHandler: solana.networks must name Solana clusters (solana, solana-devnet, solana-testnet)${unknown.length ? `, not ${unknown.join(', ')}` : ''}`])
      return new SolanaFacilitation(chain, [...new Set(served as SolanaNetwork[])], parts)
    },
    exact(spec: SolanaExactSpec, context: { logger: Logger }): PaymentMethod {
      const terms = resolveSolanaTerms(spec)
      destinations.push({ owner: terms.payTo, mint: terms.mint, tokenProgram: terms.tokenProgram, decimals: terms.decimals })
      if (o.checkOnStart !== false && !checkScheduled) {
        checkScheduled = true
        // After the routes of this tick are built, so one check covers them all; it only logs.
        setTimeout(() => {
          chain.hints.peek()
          void ready().then(
            (found) => {
              if (!found.ok) context.logger.warn?.('tollgate: Solana settlement is not ready', { problems: found.problems, rpc: redactUrl(o.rpcUrl as string) })
            },
            () => undefined,
          )
        }, 0)
      }
      return new SolanaExactMethod(terms, chain)
    },
  }
}

function bigintOption(name: string, value: unknown, fallback: bigint, problems: string[]): bigint {
  if (value === undefined) return fallback
  if (typeof value === 'bigint' && value >= 0n) return value
  if (Number.isSafeInteger(value) && (value as number) >= 0) return BigInt(value as number)
  problems.push(`solanaSettler: ${name} must be a non-negative integer`)
  return fallback
}
