/**
 * Reconciliation on anvil: a real Express seller records receipts in a real Postgres, then gaps are
 * planted on purpose (a transfer made around tollgate, an amount changed in the ledger, a receipt
 * whose transaction never existed, an unknown settlement never resolved) and reconcile() must find
 * each one, and nothing in a clean range.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReceipts, reconcile, reconcileTable, type PostgresReceipts } from '../../src/receipts/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { requirePostgresOrSkip, startPostgres, type TestPostgres } from '../support/postgres.js'
import { mine, officialBuyer, sendDrain, settlementOf, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const skip = requirePostgresOrSkip('receipts-reconcile')

let chain: TestChain
let db: TestPostgres
let receipts: PostgresReceipts
let seller: Seller

beforeAll(async () => {
  if (skip) return
  ;[chain, db] = await Promise.all([startTestChain({ fundBuyers: 0n }), startPostgres()])
  receipts = postgresReceipts({ connectionString: db.connectionString, retryDelayMs: 50, maxRetryDelayMs: 200 })
  await receipts.migrate()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/content', gate.paywall({ name: 'content', amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    },
    { hooks: receipts.hooks, settlerOptions: { receiptTimeoutMs: 300 } },
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await receipts?.close(2000)
  await db?.stop()
  await chain?.stop()
})

const blockNumber = () => chain.publicClient.getBlockNumber()

describe.skipIf(skip)('reconcile()', () => {
  it('finds nothing in a clean range, then each planted gap: on chain only, amount changed, ledger only, unresolved', async () => {
    const options = () => ({ receipts: receipts.store, rpcUrl: chain.rpcUrl, network: 'eip155:84532', asset: chain.token, payTo: [chain.accounts.seller.address] })
    const fromBlock = (await blockNumber()) + 1n
    const buyer = await freshBuyer(chain)
    const { pay } = officialBuyer(chain, buyer)
    const payOnce = async () => {
      const res = await pay(`${seller.url}/content`)
      expect(res.status).toBe(200)
      return settlementOf(res).transaction.toLowerCase()
    }

    await payOnce()
    expect(await receipts.flush(20_000)).toBe(0)
    const clean = await reconcile({ ...options(), fromBlock, toBlock: await blockNumber() })
    expect(clean).toMatchObject({ ok: true, matched: 1, discrepancies: [] })
    const cleanRun = await command(['reconcile', '--from-block', clean.fromBlock, '--to-block', clean.toBlock, '--network', 'eip155:84532', '--asset', chain.token, '--pay-to', chain.accounts.seller.address, '--rpc-url', chain.rpcUrl, '--database-url', db.connectionString], {})
    expect(cleanRun).toMatchObject({ code: 0, stdout: expect.stringContaining('1 matched, 0 discrepancies') })

    const b = await payOnce()
    await payOnce()
    // On chain, not in the ledger: the buyer's authorization submitted around tollgate.
    const around = (await sendDrain(chain, buyer, 7_000n, chain.accounts.seller.address)).toLowerCase()
    await chain.publicClient.waitForTransactionReceipt({ hash: around as `0x${string}` })
    // Unresolved: a settlement left unknown, mined, never presented again.
    const unknown = await withoutAutomine(chain, async () => {
      const res = await pay(`${seller.url}/content`)
      expect(res.status).toBe(503)
      const tx = settlementOf(res).transaction.toLowerCase()
      await mine(chain)
      return tx
    })
    expect(await receipts.flush(20_000)).toBe(0)
    // Amount changed in the ledger.
    await db.query(`UPDATE tollgate_receipts SET amount = 9999 WHERE lower(transaction_hash) = $1`, [b])
    // In the ledger, not on chain: a receipt whose transaction never existed.
    const ghost = `0x${'ab'.repeat(32)}`
    await receipts.store.record({
      paymentKey: 'planted-ghost',
      state: 'settled',
      route: 'content',
      payer: buyer.address,
      payTo: chain.accounts.seller.address,
      amount: '10000',
      asset: chain.token,
      network: 'eip155:84532',
      networkName: 'base-sepolia',
      scheme: 'exact',
      x402Version: 2,
      transaction: ghost,
      resumed: false,
      at: new Date().toISOString(),
    })

    const report = await reconcile({ ...options(), fromBlock, toBlock: await blockNumber() })
    expect(report.ok).toBe(false)
    expect(report.matched).toBe(2)
    const found = Object.fromEntries(report.discrepancies.map((d) => [d.transaction, d]))
    expect(Object.keys(found).sort()).toEqual([around, b, ghost, unknown].sort())
    expect(found[around]).toMatchObject({ kind: 'missing_from_ledger', chain: { amount: '7000', from: buyer.address.toLowerCase() } })
    expect(found[b]).toMatchObject({ kind: 'amount_mismatch', chain: { amount: '10000' }, ledger: { amount: '9999' } })
    expect(found[ghost]).toMatchObject({ kind: 'missing_on_chain', ledger: { paymentKey: 'planted-ghost' } })
    expect(found[unknown]).toMatchObject({ kind: 'unresolved_in_ledger', ledger: { state: 'unknown' } })

    const table = reconcileTable(report)
    for (const tx of [around, b, ghost, unknown]) expect(table).toContain(tx)
    expect(table).toContain('2 matched, 4 discrepancies')
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)

    // The command, as a process: the same report as JSON, exit code 1 on a discrepancy.
    const args = ['reconcile', '--from-block', report.fromBlock, '--to-block', report.toBlock, '--network', 'eip155:84532', '--asset', chain.token, '--pay-to', chain.accounts.seller.address, '--json']
    const run = await command(args, { TOLLGATE_RPC_URL: chain.rpcUrl, DATABASE_URL: db.connectionString })
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout)).toEqual(report)
  })

  it('the command answers a usage error with exit code 2 and says what is missing', async () => {
    const run = await command(['reconcile', '--from-block', '1'], {})
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('missing --to-block')
    expect(run.stdout).toBe('')
  })
})

/** `tollgate …` as the bin runs it (src/receipts/cli.ts through tsx), with only `env` added to PATH/HOME. */
function command(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/receipts/cli.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}
