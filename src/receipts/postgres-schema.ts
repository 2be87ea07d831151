/** The receipts table's name, checked: it is put into SQL text, so only plain identifiers (optionally schema-qualified). */
export function tableIdentifier(table: string): string {
  const parts = table.split('.')
  if (parts.length > 2 || !parts.every((p) => /^[a-z_][a-z0-9_]{0,62}$/.test(p))) {
    throw new TypeError(`tollgate: receipts table ${JSON.stringify(table)} must be a lowercase identifier, optionally schema-qualified (e.g. "billing.receipts")`)
  }
  return parts.map((p) => `"${p}"`).join('.')
}

/** Index names are derived from the table's last part: unique per table. */
function indexBase(table: string): string {
  return table.split('.').pop()!
}

/**
 * The migration: idempotent (IF NOT EXISTS), safe to run at every start. Amounts are NUMERIC(78, 0)
 * (every uint256 fits; never a float); one row per payment key is the idempotency; a transaction
 * settles at most one payment, which the partial unique index enforces for settled rows.
 */
export function migrationSql(table: string): string[] {
  const t = tableIdentifier(table)
  const base = indexBase(table)
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      payment_key text PRIMARY KEY,
      state text NOT NULL CHECK (state IN ('settled', 'failed', 'unknown')),
      previous_state text CHECK (previous_state IN ('settled', 'failed', 'unknown')),
      route text NOT NULL,
      payer text NOT NULL,
      pay_to text,
      amount numeric(78, 0) NOT NULL CHECK (amount >= 0),
      asset text NOT NULL,
      network text NOT NULL,
      network_name text NOT NULL,
      scheme text NOT NULL,
      x402_version smallint NOT NULL,
      transaction_hash text,
      reason text,
      http_status integer,
      resumed boolean NOT NULL DEFAULT false,
      prepaid_credential_id text,
      prepaid_package text,
      recorded_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      settled_at timestamptz
    )`,
    // Added after the first release: tables made before it get the column here (IF NOT EXISTS keeps it idempotent).
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS evidence jsonb`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "${base}_settled_tx" ON ${t} (network, lower(transaction_hash)) WHERE state = 'settled' AND transaction_hash IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS "${base}_recorded_at" ON ${t} (recorded_at)`,
    `CREATE INDEX IF NOT EXISTS "${base}_credential" ON ${t} (prepaid_credential_id) WHERE prepaid_credential_id IS NOT NULL`,
  ]
}
