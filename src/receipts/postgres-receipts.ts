import type { Pool } from 'pg'
import type { Logger } from '../logger.js'
import { PostgresReceiptStore, type PgQueryable } from './postgres-store.js'
import { receiptHooks, type ReceiptHooksOptions, type ReceiptLedger } from './receipt-hooks.js'

export interface PostgresReceiptsOptions extends ReceiptHooksOptions {
  /** Your `pg` Pool (you end it; give it an 'error' listener, as pg asks), or… */
  pool?: PgQueryable
  /** …a connection string: tollgate makes a Pool from it (pg loaded only then) and ends it on `close()`. */
  connectionString?: string
  /** Table, optionally schema-qualified (default 'tollgate_receipts'). */
  table?: string
  /** Bound on each write, so a hung connection cannot stall the outbox (default 10 000 ms). */
  queryTimeoutMs?: number
}

export interface PostgresReceipts extends ReceiptLedger {
  store: PostgresReceiptStore
  /** Creates the table and indexes if missing: safe to run at every start. */
  migrate(): Promise<void>
}

/**
 * The receipts ledger on Postgres. Give `hooks` to tollgate, run `migrate()` once at start, and
 * `close()` on shutdown (it flushes the outbox, then ends the pool tollgate created).
 */
export function postgresReceipts(options: PostgresReceiptsOptions): PostgresReceipts {
  if (!options.pool === !options.connectionString) throw new TypeError('tollgate: postgresReceipts needs exactly one of pool or connectionString')
  const logger: Logger = options.logger ?? {}
  let owned: Promise<Pool> | undefined
  const db = (): Promise<PgQueryable> => {
    if (options.pool) return Promise.resolve(options.pool)
    owned ??= ownPool(options.connectionString!, logger)
    return owned
  }
  const store = new PostgresReceiptStore(db, options.table ?? 'tollgate_receipts', options.queryTimeoutMs ?? 10_000)
  const ledger = receiptHooks(store, options)
  return {
    ...ledger,
    store,
    migrate: () => store.migrate(),
    async close(timeoutMs) {
      const left = await ledger.close(timeoutMs)
      if (owned) await (await owned).end().catch(() => {})
      return left
    },
  }
}

async function ownPool(connectionString: string, logger: Logger): Promise<Pool> {
  // pg is CommonJS: its Pool is on the default export under ESM, on the module itself when bundled to CJS.
  const mod: { default?: { Pool: typeof Pool }; Pool?: typeof Pool } = await import('pg')
  const PoolClass = mod.default?.Pool ?? mod.Pool!
  const pool = new PoolClass({ connectionString, connectionTimeoutMillis: 5000, max: 4 })
  // An idle client's error (Postgres restarted) would crash the process without a listener; the outbox retries.
  pool.on('error', (error) => logger.warn?.('tollgate: receipts pool connection lost', { error: String(error) }))
  return pool
}
