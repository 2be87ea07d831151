import type { ReceiptState } from './receipt.js'

/**
 * What reconciliation found wrong, one entry per transaction:
 * - `missing_from_ledger`: a transfer to a payee on chain with no receipt (a receipt lost in a crash, or a payment made around tollgate);
 * - `missing_on_chain`: a settled receipt whose transaction is not a transfer to the payee on chain (not found, reverted, or another transfer);
 * - `amount_mismatch`: both exist but the amount, the payer or the payee differ;
 * - `unresolved_in_ledger`: the chain has the transfer, the ledger still says 'unknown' or 'failed'.
 */
export type DiscrepancyKind = 'missing_from_ledger' | 'missing_on_chain' | 'amount_mismatch' | 'unresolved_in_ledger'

export interface ChainTransfer {
  transaction: string
  blockNumber: string
  from: string
  to: string
  /** Atomic units, decimal string (summed over the transaction's transfers to this payee). */
  amount: string
}

export interface LedgerSide {
  paymentKey: string
  state: ReceiptState
  payer: string
  payTo: string | null
  amount: string
  transaction: string | null
  recordedAt: string
}

export interface Discrepancy {
  kind: DiscrepancyKind
  transaction: string | null
  chain?: ChainTransfer
  ledger?: LedgerSide
}

export interface ReconcileReport {
  network: string
  asset: string
  payTo: string[]
  fromBlock: string
  toBlock: string
  /** Transactions found alike on chain and in the ledger. */
  matched: number
  discrepancies: Discrepancy[]
  /** True when nothing was found wrong. */
  ok: boolean
}

/** The report as a plain-text table, one line per discrepancy (for a terminal or a daily mail). */
export function reconcileTable(report: ReconcileReport): string {
  const head = `reconcile ${report.network} ${report.asset} blocks ${report.fromBlock}-${report.toBlock}: ${report.matched} matched, ${report.discrepancies.length} discrepancies`
  if (report.discrepancies.length === 0) return `${head}\n`
  const rows = report.discrepancies.map((d) => [
    d.kind,
    d.transaction ?? '-',
    d.chain?.amount ?? '-',
    d.ledger?.amount ?? '-',
    d.ledger?.state ?? '-',
    d.chain?.from ?? d.ledger?.payer ?? '-',
    d.chain?.to ?? d.ledger?.payTo ?? '-',
  ])
  const header = ['kind', 'transaction', 'chain amount', 'ledger amount', 'ledger state', 'payer', 'payTo']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [head, line(header), ...rows.map(line)].join('\n') + '\n'
}
