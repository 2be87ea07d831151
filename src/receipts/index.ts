/**
 * `tollgate/receipts`: a ledger of every settlement outcome (settled, failed, unknown and their later
 * resolution), written through a bounded outbox so the buyer's answer never waits for it. The
 * Postgres implementation loads `pg` (an optional peer) only when given a connection string.
 */
export { postgresReceipts } from './postgres-receipts.js'
export type { PostgresReceipts, PostgresReceiptsOptions } from './postgres-receipts.js'
export { PostgresReceiptStore } from './postgres-store.js'
export type { PgQueryable } from './postgres-store.js'
export { migrationSql } from './postgres-schema.js'
export { receiptHooks } from './receipt-hooks.js'
export type { ReceiptHooksOptions, ReceiptLedger } from './receipt-hooks.js'
export { createOutbox } from './outbox.js'
export type { Outbox, OutboxOptions } from './outbox.js'
export { ReceiptRejectedError } from './receipt-store.js'
export type { ReceiptQuery, ReceiptStore } from './receipt-store.js'
export type { CredentialLink, Receipt, ReceiptChange, ReceiptState, StoredReceipt } from './receipt.js'
export { reconcile } from './reconcile.js'
export type { ReconcileOptions } from './reconcile.js'
export { reconcileTable } from './reconcile-report.js'
export type { ChainTransfer, Discrepancy, DiscrepancyKind, LedgerSide, ReconcileReport } from './reconcile-report.js'
export { runCli } from './reconcile-cli.js'
export type { CliIo } from './reconcile-cli.js'
