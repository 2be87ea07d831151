import type { SolanaReadiness } from '../chains/solana/readiness.js'
import type { PartStatus } from './health-report.js'
import { within } from './within.js'

/** The Solana fee payer and token accounts, as a public health report may show them: numbers only. */
export interface SolanaHealth {
  /** 'degraded' when something is missing (no SOL, a missing token account), 'down' when the cluster does not answer. */
  status: PartStatus
  /** The fee payer's balance in lamports, null when it could not be read. */
  feePayerLamports: string | null
  /** How many prerequisites are missing; what they are goes to `ready()` and the logs, never to the public body. */
  problems: number
}

/** Anything with the Solana settler's `ready()` (solanaSettler from tollgate/solana). */
export interface SolanaReadinessSource {
  ready(): Promise<SolanaReadiness>
}

export function isReadinessSource(value: unknown): value is SolanaReadinessSource {
  return typeof value === 'object' && value !== null && (value as { family?: unknown }).family === 'solana' && typeof (value as { ready?: unknown }).ready === 'function'
}

/** A bounded `ready()`: an answer that does not come in time, or an RPC that cannot answer, is 'down'. */
export function solanaChecker(source: SolanaReadinessSource, timeoutMs: number): () => Promise<SolanaHealth> {
  return async () => {
    const found = await within<SolanaReadiness | undefined>(timeoutMs, undefined, () => source.ready())
    if (!found) return { status: 'down', feePayerLamports: null, problems: 1 }
    const status: PartStatus = found.ok ? 'ok' : found.feePayerLamports === null ? 'down' : 'degraded'
    return { status, feePayerLamports: found.feePayerLamports, problems: found.problems.length }
  }
}
