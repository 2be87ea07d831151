/**
 * The Postgres receipts store and its outbox against a real Postgres (a private cluster started
 * here): idempotent writes, state changes that never downgrade a settled row, exact amounts, the
 * outbox's bound, its drop log, and a refused write that does not block the rest.
 */
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReceipts, type PostgresReceipts } from '../../src/receipts/index.js'
import type { SettledEvent, SettlementFailedEvent } from '../../src/hooks/hook-types.js'
import { requirePostgresOrSkip, startPostgres, type TestPostgres } from '../support/postgres.js'

const skip = requirePostgresOrSkip('receipts-postgres')
let db: TestPostgres
const opened: PostgresReceipts[] = []

beforeAll(async () => {
  if (!skip) db = await startPostgres()
}, 60_000)

afterAll(async () => {
  for (const ledger of opened) await ledger.close(1000)
  await db?.stop()
})

let tables = 0
async function ledger(extra: Partial<Parameters<typeof postgresReceipts>[0]> = {}) {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = []
  const logger = { error: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields }), warn: () => {} }
  const created = postgresReceipts({ connectionString: db.connectionString, table: `receipts_${++tables}`, logger, retryDelayMs: 20, maxRetryDelayMs: 100, ...extra })
  opened.push(created)
  await created.migrate()
  return { receipts: created, lines }
}

let keys = 0
function settledEvent(overrides: Partial<SettledEvent> = {}): SettledEvent {
  const n = ++keys
  return {
    route: 'GET /data',
    payer: '0x00000000000000000000000000000000000000b1',
    payTo: '0x00000000000000000000000000000000000000c2',
    paymentKey: `x402:evm:84532:0xtoken:0xb1:0x${n.toString(16).padStart(64, '0')}`,
    amount: '10000',
    asset: '0x00000000000000000000000000000000000000a5',
    network: 'eip155:84532',
    networkName: 'base-sepolia',
    x402Version: 2,
    scheme: 'exact',
    latencyMs: 5,
    transaction: `0x${n.toString(16).padStart(64, 'e')}`,
    resumed: false,
    ...overrides,
  }
}

function failedEvent(from: SettledEvent, state: 'failed' | 'unknown'): SettlementFailedEvent {
  const { transaction, resumed: _resumed, ...fields } = from
  return { ...fields, state, reason: state === 'unknown' ? 'settlement_unknown' : 'settlement_failed', status: 503, ...(state === 'unknown' ? { transaction } : {}) }
}

describe.skipIf(skip)('postgresReceipts', () => {
  it('migrate() is idempotent and the same settled event recorded twice is one row with every field', async () => {
    const { receipts } = await ledger()
    await receipts.migrate()
    const event = settledEvent()
    receipts.hooks.onSettled!(event)
    receipts.hooks.onSettled!(event)
    expect(await receipts.flush()).toBe(0)
    const rows = await receipts.store.list()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      paymentKey: event.paymentKey,
      state: 'settled',
      previousState: null,
      route: 'GET /data',
      payer: event.payer,
      payTo: event.payTo,
      amount: '10000',
      asset: event.asset,
      network: 'eip155:84532',
      networkName: 'base-sepolia',
      scheme: 'exact',
      x402Version: 2,
      transaction: event.transaction,
      resumed: false,
      prepaidCredentialId: null,
    })
    expect(rows[0]!.settledAt).toBeInstanceOf(Date)
  })

  it('an unknown settlement is updated in place when resolved; a late failure never downgrades a settled row', async () => {
    const { receipts } = await ledger()
    const event = settledEvent()
    receipts.hooks.onSettlementFailed!(failedEvent(event, 'unknown'))
    await receipts.flush()
    expect(await receipts.store.get(event.paymentKey!)).toMatchObject({ state: 'unknown', reason: 'settlement_unknown', status: 503, settledAt: null, transaction: event.transaction })

    receipts.hooks.onSettled!({ ...event, resumed: true })
    receipts.hooks.onSettlementFailed!(failedEvent(event, 'failed'))
    await receipts.flush()
    const row = await receipts.store.get(event.paymentKey!)
    expect(row).toMatchObject({ state: 'settled', previousState: 'unknown', reason: 'settlement_unknown', resumed: true, transaction: event.transaction })
    expect(row!.settledAt).toBeInstanceOf(Date)
    expect(await receipts.store.list()).toHaveLength(1)
  })

  it('a failed settlement presented again and settled becomes settled; a prepaid credential links to its purchase', async () => {
    const { receipts } = await ledger()
    const event = settledEvent()
    receipts.hooks.onSettlementFailed!(failedEvent(event, 'failed'))
    receipts.hooks.onSettled!(event)
    receipts.hooks.onPrepaidIssued!({ route: 'POST /prepaid/purchase', credentialId: 'cred-1', package: 'five', buyer: event.payer, calls: 5, expiresAt: '2030-01-01T00:00:00.000Z', transaction: event.transaction, paymentKey: event.paymentKey! })
    await receipts.flush()
    expect(await receipts.store.get(event.paymentKey!)).toMatchObject({ state: 'settled', previousState: 'failed', prepaidCredentialId: 'cred-1', prepaidPackage: 'five' })
  })

  it('amounts are stored exactly, up to uint256', async () => {
    const { receipts } = await ledger()
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), async (amount) => {
        const event = settledEvent({ amount: amount.toString() })
        receipts.hooks.onSettled!(event)
        await receipts.flush()
        expect((await receipts.store.get(event.paymentKey!))!.amount).toBe(amount.toString())
      }),
      { numRuns: 40 },
    )
  })

  it('a write Postgres refuses as invalid is dropped with an error log and does not block the next one', async () => {
    const { receipts, lines } = await ledger()
    const bad = settledEvent({ amount: 'not-a-number' })
    const good = settledEvent()
    receipts.hooks.onSettled!(bad)
    receipts.hooks.onSettled!(good)
    expect(await receipts.flush()).toBe(0)
    expect(receipts.dropped()).toBe(1)
    expect(lines.some((l) => l.message.includes('receipt dropped') && JSON.stringify(l.fields).includes(bad.paymentKey!))).toBe(true)
    expect((await receipts.store.list()).map((r) => r.paymentKey)).toEqual([good.paymentKey])
  })

  it("writes through the seller's own pg.Pool, which it leaves open on close()", async () => {
    const pool = new pg.Pool({ connectionString: db.connectionString })
    try {
      const receipts = postgresReceipts({ pool, table: 'billing_receipts' })
      await receipts.migrate()
      const event = settledEvent()
      receipts.hooks.onSettled!(event)
      expect(await receipts.close()).toBe(0)
      // Closed: a late event is refused (counted), never half-written.
      receipts.hooks.onSettled!(settledEvent())
      expect(receipts.dropped()).toBe(1)
      expect(receipts.pending()).toBe(0)
      expect((await pool.query('SELECT payment_key FROM billing_receipts')).rows).toEqual([{ payment_key: event.paymentKey }])
    } finally {
      await pool.end()
    }
  })

  it('evidence: migrate() adds the column to a table made before it (and stays idempotent); stored as JSONB, the latest given kept', async () => {
    const table = `receipts_${++tables}`
    // The table as the first release made it: no evidence column.
    await db.query(`CREATE TABLE ${table} (LIKE receipts_1 INCLUDING ALL)`)
    await db.query(`ALTER TABLE ${table} DROP COLUMN evidence`)
    const given = new Map<string, object>()
    const { receipts } = await ledger({ table, evidence: (key) => given.get(key) })
    await receipts.migrate()
    const plain = settledEvent()
    const later = settledEvent()
    given.set(later.paymentKey!, { decision: 'allow', decisionId: 'd-1', traceId: 'ab'.repeat(16) })
    receipts.hooks.onSettled!(plain)
    receipts.hooks.onSettlementFailed!(failedEvent(later, 'failed'))
    expect(await receipts.flush(10_000)).toBe(0)
    expect((await receipts.store.get(plain.paymentKey!))?.evidence).toBeNull()
    expect((await receipts.store.get(later.paymentKey!))?.evidence).toEqual({ decision: 'allow', decisionId: 'd-1', traceId: 'ab'.repeat(16) })
    // Settled anew after a new decision: that decision is the row's evidence; with none given, the old stays.
    given.set(later.paymentKey!, { decision: 'allow', decisionId: 'd-2' })
    receipts.hooks.onSettled!(later)
    expect(await receipts.flush(10_000)).toBe(0)
    expect(await receipts.store.get(later.paymentKey!)).toMatchObject({ state: 'settled', previousState: 'failed', evidence: { decision: 'allow', decisionId: 'd-2' } })
    const types = await db.query<{ data_type: string }>(`SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = 'evidence'`, [table])
    expect(types).toEqual([{ data_type: 'jsonb' }])
  })

  it('rejects table names that are not plain identifiers, and needs exactly one of pool / connectionString', () => {
    expect(() => postgresReceipts({ connectionString: db.connectionString, table: 'x; drop table y' })).toThrow(/identifier/)
    expect(() => postgresReceipts({})).toThrow(/exactly one/)
  })
})

describe.skipIf(skip)('receipts outbox while Postgres is down', () => {
  it('holds up to its capacity, drops (and logs in full) the newest past it, and drains in order once Postgres is back', async () => {
    const { receipts, lines } = await ledger({ capacity: 2 })
    await db.stopServer()
    try {
      const events = [settledEvent(), settledEvent(), settledEvent()]
      for (const event of events) receipts.hooks.onSettled!(event)
      expect(receipts.pending()).toBe(2)
      expect(receipts.dropped()).toBe(1)
      expect(lines.some((l) => l.message.includes('outbox is full') && JSON.stringify(l.fields).includes(events[2]!.paymentKey!))).toBe(true)
      expect(await receipts.flush(300)).toBe(2)
      await db.start()
      expect(await receipts.flush(20_000)).toBe(0)
      expect((await receipts.store.list()).map((r) => r.paymentKey)).toEqual([events[0]!.paymentKey, events[1]!.paymentKey])
    } finally {
      if (!db.pid) await db.start()
    }
  }, 60_000)
})
