import type { CredentialLink, Receipt, ReceiptState, StoredReceipt } from './receipt.js'
import { ReceiptRejectedError, type ReceiptQuery, type ReceiptStore } from './receipt-store.js'
import { migrationSql, tableIdentifier } from './postgres-schema.js'

type QueryResultRow = Record<string, any>

/**
 * The part of a `pg` Pool (or Client) the store uses. Declared here, not imported from pg, so the
 * package's types do not need @types/pg; a `pg.Pool` fits it.
 */
export interface PgQueryable {
  query(config: { text: string; values?: unknown[] }): Promise<{ rows: QueryResultRow[] }>
}

const COLUMNS =
  'payment_key, state, previous_state, route, payer, pay_to, amount::text AS amount, asset, network, network_name, scheme, x402_version, transaction_hash, reason, http_status, resumed, prepaid_credential_id, prepaid_package, recorded_at, updated_at, settled_at, evidence'

/**
 * SQLSTATE classes that no retry can fix: 22 data exception, 23 integrity violation. Everything
 * else (connection refused, admin shutdown, a missing table before `migrate()`) is retried.
 */
function rejected(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.length === 5 && (code.startsWith('22') || code.startsWith('23'))
}

export class PostgresReceiptStore implements ReceiptStore {
  private readonly t: string

  constructor(
    private readonly db: () => Promise<PgQueryable>,
    private readonly table: string,
    private readonly queryTimeoutMs: number,
  ) {
    this.t = tableIdentifier(table)
  }

  async migrate(): Promise<void> {
    const db = await this.db()
    for (const statement of migrationSql(this.table)) await db.query({ text: statement })
  }

  async record(r: Receipt): Promise<void> {
    await this.write(
      `INSERT INTO ${this.t} AS r (payment_key, state, route, payer, pay_to, amount, asset, network, network_name, scheme, x402_version,
         transaction_hash, reason, http_status, resumed, recorded_at, updated_at, settled_at, evidence)
       VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, CASE WHEN $2 = 'settled' THEN $16::timestamptz END, $17::jsonb)
       ON CONFLICT (payment_key) DO UPDATE SET
         state = EXCLUDED.state,
         previous_state = r.state,
         transaction_hash = COALESCE(EXCLUDED.transaction_hash, r.transaction_hash),
         reason = COALESCE(EXCLUDED.reason, r.reason),
         http_status = COALESCE(EXCLUDED.http_status, r.http_status),
         resumed = r.resumed OR EXCLUDED.resumed,
         updated_at = EXCLUDED.updated_at,
         settled_at = COALESCE(r.settled_at, EXCLUDED.settled_at),
         evidence = COALESCE(EXCLUDED.evidence, r.evidence)
       WHERE r.state <> 'settled'
         AND (r.state <> EXCLUDED.state OR r.transaction_hash IS DISTINCT FROM COALESCE(EXCLUDED.transaction_hash, r.transaction_hash))`,
      [
        r.paymentKey,
        r.state,
        r.route,
        r.payer,
        r.payTo,
        r.amount,
        r.asset,
        r.network,
        r.networkName,
        r.scheme,
        r.x402Version,
        r.transaction ?? null,
        r.reason ?? null,
        r.status ?? null,
        r.resumed,
        r.at,
        r.evidence === undefined ? null : JSON.stringify(r.evidence),
      ],
    )
  }

  async linkCredential(link: CredentialLink): Promise<void> {
    await this.write(
      `UPDATE ${this.t} SET prepaid_credential_id = $2, prepaid_package = $3, updated_at = $4
       WHERE payment_key = $1 AND prepaid_credential_id IS DISTINCT FROM $2`,
      [link.paymentKey, link.credentialId, link.package, link.at],
    )
  }

  async get(paymentKey: string): Promise<StoredReceipt | undefined> {
    const row = (await this.query(`SELECT ${COLUMNS} FROM ${this.t} WHERE payment_key = $1`, [paymentKey]))[0]
    return row ? fromRow(row) : undefined
  }

  async list(query: ReceiptQuery = {}): Promise<StoredReceipt[]> {
    const where: string[] = []
    const values: unknown[] = []
    const add = (sql: string, value: unknown) => {
      values.push(value)
      where.push(sql.replace('?', `$${values.length}`))
    }
    if (query.from) add('recorded_at >= ?', query.from)
    if (query.to) add('recorded_at < ?', query.to)
    if (query.state) add('state = ?', query.state)
    if (query.network) add('network = ?', query.network)
    if (query.payTo) add('lower(pay_to) = lower(?)', query.payTo)
    values.push(query.limit ?? 10_000)
    const text = `SELECT ${COLUMNS} FROM ${this.t}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY recorded_at, payment_key LIMIT $${values.length}`
    return (await this.query(text, values)).map(fromRow)
  }

  /** pg reads `query_timeout` from the query's config too: a hung connection fails the query instead of stalling the outbox. */
  private async query(text: string, values: unknown[]): Promise<QueryResultRow[]> {
    const db = await this.db()
    const config = { text, values, query_timeout: this.queryTimeoutMs }
    return (await db.query(config)).rows
  }

  private async write(text: string, values: unknown[]): Promise<void> {
    try {
      await this.query(text, values)
    } catch (error) {
      if (rejected(error)) throw new ReceiptRejectedError(`receipt refused by Postgres: ${String(error)}`, { cause: error })
      throw error
    }
  }
}

function fromRow(row: QueryResultRow): StoredReceipt {
  return {
    paymentKey: row.payment_key,
    state: row.state as ReceiptState,
    previousState: (row.previous_state ?? null) as ReceiptState | null,
    route: row.route,
    payer: row.payer,
    payTo: row.pay_to,
    amount: row.amount,
    asset: row.asset,
    network: row.network,
    networkName: row.network_name,
    scheme: row.scheme,
    x402Version: row.x402_version as 1 | 2,
    transaction: row.transaction_hash ?? null,
    reason: row.reason ?? null,
    status: row.http_status ?? null,
    resumed: row.resumed,
    prepaidCredentialId: row.prepaid_credential_id ?? null,
    prepaidPackage: row.prepaid_package ?? null,
    recordedAt: row.recorded_at,
    updatedAt: row.updated_at,
    settledAt: row.settled_at ?? null,
    evidence: row.evidence ?? null,
  }
}
