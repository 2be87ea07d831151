/**
 * Paid path end to end on anvil: distinct EIP-3009 payments, signed before timing starts, fired
 * with bounded concurrency (16 and 64 buyers in flight) at the official stack (@x402/express +
 * x402Facilitator) and at tollgate's settlement variants on the same chain: one settler account,
 * batched (aggregate3), a pool of batched accounts, before-handler and async (served before
 * settlement). Every payment must settle exactly once (counted on chain after the run, after the
 * async queue drained); gas per payment is read from the settler accounts' receipts.
 */
import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { readFileSync } from 'node:fs'
import { startTestChain, type TestChain } from '../test/support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../test/support/payments.js'
import { startRpcProxy } from '../test/e2e/rpc-proxy.js'
import { MULTICALL3_ADDRESS } from '../src/chains/evm/settler/batch-settler.js'
import { startServer } from './lib/child-server.js'
import { drivePresigned, quantile, type PaidFigures } from './lib/presigned.js'
import type { Row } from './lib/report.js'

export interface PaidRun extends PaidFigures {
  transfers: number
  gasPerPayment: number
  /** settle: 'async': the answer went out after verification and the claim, before settlement. */
  servedBeforeSettlement: boolean
  /** async only: from the last answer until every queued payment was on chain. */
  drainMs?: number
}

export interface PaidResult {
  rows: Row[]
  runs: PaidRun[]
  /** tollgate with metrics (and a Postgres receipts ledger when available) over tollgate alone. */
  observedRatio: number
  notes: string[]
}

const BATCH_MS = '20'
/** Every async variant's name carries this, so no report can pass it off as settled before the answer. */
export const ASYNC_LABEL = "settle: 'async' (served before settlement)"
const POOL_SIZE = 4
const batchCaller = JSON.parse(readFileSync(new URL('../contracts/batch/artifacts/BatchCaller.json', import.meta.url), 'utf8')) as { deployedBytecode: Hex }

export interface PaidRig {
  chain: TestChain
  /** A fresh settler key with gas. */
  funded(): Promise<Hex>
  /** 64 buyers holding the test token. */
  buyers: PrivateKeyAccount[]
  /** The servers' chain settings (RPC_URL, TOKEN, PAY_TO). */
  env: Record<string, string>
}

/** anvil with the test token, an aggregate3 contract at Multicall3's address, and funded buyers. */
export async function paidRig(): Promise<PaidRig> {
  const chain = await startTestChain({ fundBuyers: 1_000_000_000n })
  const rpc = <T>(method: string, params: unknown[]) => chain.publicClient.request({ method: method as never, params: params as never }) as Promise<T>
  try {
    // anvil has no Multicall3: our aggregate3-compatible contract goes at its address (real chains have the real one).
    await rpc('anvil_setCode', [MULTICALL3_ADDRESS, batchCaller.deployedBytecode])
    const funded = async (): Promise<Hex> => {
      const key = generatePrivateKey()
      await rpc('anvil_setBalance', [privateKeyToAccount(key).address, '0x3635C9ADC5DEA00000'])
      return key
    }
    // As many distinct buyers as payments in flight: one wallet may hold only maxPendingPerPayer (8) at once.
    const buyers: PrivateKeyAccount[] = []
    for (let i = 0; i < 64; i++) {
      const buyer = privateKeyToAccount(generatePrivateKey())
      await chain.mint(buyer.address, 1_000_000_000n)
      buyers.push(buyer)
    }
    return { chain, funded, buyers, env: { RPC_URL: chain.rpcUrl, TOKEN: chain.token, PAY_TO: chain.accounts.seller.address } }
  } catch (error) {
    await chain.stop()
    throw error
  }
}

export async function measurePaidPath(payments: number, observedEnv: Record<string, string> = {}): Promise<PaidResult> {
  const { chain, funded, buyers, env } = await paidRig()
  const notes: string[] = []
  try {
    const runs: PaidRun[] = []
    const only = process.env.BENCH_PAID_ONLY ? new RegExp(process.env.BENCH_PAID_ONLY) : undefined
    const levels = (process.env.BENCH_PAID_BUYERS ?? '16,64').split(',').map(Number)
    const variants = async (concurrency: number, count: number) => {
      // Each stack and variant settles from its own funded key(s), so none shares an account nonce.
      const one = async (variant: string, scenario: string, extra: Record<string, string>, keys: Hex[]) => {
        // Dev runs (bench/paid-only.ts): BENCH_PAID_ONLY, a pattern, keeps the official stack and the matching variants.
        if (only && !variant.startsWith('official') && !only.test(variant)) return
        const keyEnv: Record<string, string> = keys.length > 1 ? { SETTLER_KEYS: keys.join(',') } : { SETTLER_KEY: keys[0]! }
        const r = await run(chain, { variant, scenario, env: { ...env, ...extra, ...keyEnv }, count, concurrency, buyers, settlers: keys.map((k) => privateKeyToAccount(k).address) })
        runs.push(r)
        return r
      }
      await one('official @x402/express + x402Facilitator', 'express-official', {}, [await funded()])
      await one('tollgate, one settler account', 'express-tollgate', {}, [await funded()])
      await one(`tollgate, batched (${BATCH_MS} ms window)`, 'express-tollgate', { BATCH_MS }, [await funded()])
      const pool = await Promise.all(Array.from({ length: POOL_SIZE }, funded))
      await one(`tollgate, pool of ${POOL_SIZE} batched accounts`, 'express-tollgate', { BATCH_MS }, pool)
      // Served before settlement (the queue settles after the answer): measured at both loads, reported apart from the synchronous policies.
      await one(`tollgate, ${ASYNC_LABEL}`, 'express-tollgate', { SETTLE: 'async' }, [await funded()])
      await one(`tollgate, ${ASYNC_LABEL}, batched (${BATCH_MS} ms window)`, 'express-tollgate', { SETTLE: 'async', BATCH_MS }, [await funded()])
      if (concurrency === 16) {
        await one('tollgate, before-handler', 'express-tollgate', { SETTLE: 'before-handler' }, [await funded()])
        const observedName = `tollgate, one account + metrics${observedEnv.DATABASE_URL ? ' + Postgres receipts' : ''}`
        await one(observedName, 'express-tollgate-observed', { ...observedEnv }, [await funded()])
      }
    }
    for (const level of levels) await variants(level, payments)

    // RPC traffic per payment, counted in a separate small run through a counting proxy, so the
    // proxy's own cost never touches the timed figures above.
    const rpcPer: Record<string, number> = {}
    for (const [name, scenario] of only ? [] : ([['official', 'express-official'], ['tollgate', 'express-tollgate']] as const)) {
      const proxy = await startRpcProxy(chain.rpcUrl)
      try {
        const key = await funded()
        const counted = await run(chain, { variant: name, scenario, env: { ...env, RPC_URL: proxy.url, SETTLER_KEY: key }, count: 40, concurrency: 16, buyers, settlers: [], rpcRequests: () => proxy.forwarded })
        rpcPer[name] = counted.rpcPerPayment
      } finally {
        await proxy.close()
      }
    }

    const rows: Row[] = runs.map((r) => {
      const official = runs.find((o) => o.concurrency === r.concurrency && o.variant.startsWith('official'))!
      return {
        group: `paid (anvil, ${r.concurrency} buyers)`,
        variant: r.variant,
        requestsPerSecond: r.perSecond,
        p50: r.p50,
        p99: r.p99,
        ratio: r.perSecond / official.perSecond,
        note: `${r.ok}/${r.count} paid, ${r.transfers} transfers, ${r.gasPerPayment.toFixed(0)} gas/payment${r.drainMs !== undefined ? `, queue drained ${(r.drainMs / 1000).toFixed(1)} s after the last answer` : ''}`,
      }
    })
    for (const r of runs) {
      if (r.ok !== r.count || r.transfers !== r.count) notes.push(`${r.variant} (${r.concurrency} buyers): ${r.ok} of ${r.count} answered 200 and ${r.transfers} transfers landed (statuses ${JSON.stringify(r.statuses)}).`)
    }
    notes.push(
      `Paid path: ${payments} distinct pre-signed payments per variant, 16 and 64 in flight, anvil automining one block per transaction ` +
        `(which bounds one-transaction-per-payment stacks here); RPC requests per payment: tollgate ${rpcPer.tollgate?.toFixed(2)}, official ${rpcPer.official?.toFixed(2)}. ` +
        `Gas per payment: the settler accounts' receipts over the run, divided by the payments.`,
    )
    const plain = runs.find((r) => r.concurrency === 16 && r.variant === 'tollgate, one settler account')
    const observed = runs.find((r) => r.concurrency === 16 && r.variant.includes('metrics'))
    return { rows, runs, observedRatio: plain && observed ? observed.perSecond / plain.perSecond : Number.NaN, notes }
  } finally {
    await chain.stop()
  }
}

export interface RunOptions {
  variant: string
  scenario: string
  env: Record<string, string>
  count: number
  concurrency: number
  /** Payers, one per payment in flight. */
  buyers: PrivateKeyAccount[]
  /** Accounts whose transactions' gas is counted. */
  settlers: Address[]
  rpcRequests?: () => number
}

export async function run(chain: TestChain, o: RunOptions) {
  const server = await startServer(o.scenario, o.env)
  try {
    const url = `${server.url}/data`
    const challenge = await fetch(url)
    const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
    const buyers = o.buyers.slice(0, o.concurrency)
    const headers = await Promise.all(
      Array.from({ length: o.count }, async (_, i) => {
        const payload = await signAuthorization({ from: buyers[i % buyers.length]!, to: chain.accounts.seller.address, value: BigInt(String(accepted.amount)), token: chain.tokenInfo, chainId: chain.chainId, validAfter: 0n })
        return encodeHeader(v2Payment(accepted, payload))
      }),
    )
    const transfersBefore = await chain.transferCount()
    const blockBefore = await chain.publicClient.getBlockNumber()
    const rpcBefore = o.rpcRequests?.() ?? 0
    const { seconds, latencies, statuses } = await drivePresigned(
      url,
      headers.map((header) => ({ 'payment-signature': header })),
      o.concurrency,
    )
    const ended = performance.now()
    // Served before settlement: wait (bounded) for the queue to put every payment on chain.
    let drainMs: number | undefined
    if (o.env.SETTLE === 'async') {
      while ((await chain.transferCount()) - transfersBefore < (statuses[200] ?? 0) && performance.now() - ended < 60_000) await new Promise((r) => setTimeout(r, 100))
      drainMs = performance.now() - ended
    }
    const transfers = (await chain.transferCount()) - transfersBefore
    return {
      variant: o.variant,
      concurrency: o.concurrency,
      servedBeforeSettlement: o.env.SETTLE === 'async',
      // Only answered-and-paid requests count: a 402 is not a sale.
      perSecond: (statuses[200] ?? 0) / seconds,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      ok: statuses[200] ?? 0,
      statuses,
      count: o.count,
      transfers,
      gasPerPayment: o.settlers.length > 0 && transfers > 0 ? Number(await gasSpent(chain, o.settlers, blockBefore)) / transfers : 0,
      rpcPerPayment: ((o.rpcRequests?.() ?? 0) - rpcBefore) / o.count,
      ...(drainMs !== undefined ? { drainMs } : {}),
    }
  } finally {
    await server.stop()
  }
}

/** Gas of every transaction the accounts sent after `fromBlock`, from their receipts. */
async function gasSpent(chain: TestChain, accounts: Address[], fromBlock: bigint): Promise<bigint> {
  const senders = new Set(accounts.map((a) => a.toLowerCase()))
  const latest = await chain.publicClient.getBlockNumber()
  let total = 0n
  for (let n = fromBlock + 1n; n <= latest; n++) {
    const block = await chain.publicClient.getBlock({ blockNumber: n, includeTransactions: true })
    for (const tx of block.transactions) {
      if (!senders.has(tx.from.toLowerCase())) continue
      total += (await chain.publicClient.getTransactionReceipt({ hash: tx.hash })).gasUsed
    }
  }
  return total
}
