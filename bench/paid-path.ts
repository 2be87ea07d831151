/**
 * Paid path end to end on anvil: distinct EIP-3009 payments, signed before timing starts, fired
 * with bounded concurrency at tollgate (localSettler) and at the official stack (@x402/express +
 * x402Facilitator) on the same chain. Every payment must settle exactly once.
 */
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startTestChain, type TestChain } from '../test/support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../test/support/payments.js'
import { startRpcProxy } from '../test/e2e/rpc-proxy.js'
import { startServer } from './lib/child-server.js'
import type { Row } from './lib/report.js'

export interface PaidResult {
  rows: Row[]
  /** tollgate paid requests/s over the official stack's. */
  ratio: number
  tollgateP50: number
  officialP50: number
  /** tollgate with metrics (and a Postgres receipts ledger when available) over tollgate alone. */
  observedRatio: number
  notes: string[]
}

const CONCURRENCY = 16

export async function measurePaidPath(payments: number, observedEnv: Record<string, string> = {}): Promise<PaidResult> {
  const chain = await startTestChain({ fundBuyers: 1_000_000_000n })
  const notes: string[] = []
  try {
    // Each stack settles from its own funded key, so they never share an account nonce.
    const officialKey = generatePrivateKey()
    await chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [privateKeyToAccount(officialKey).address, '0x3635C9ADC5DEA00000'] as never })
    const env = { RPC_URL: chain.rpcUrl, TOKEN: chain.token, PAY_TO: chain.accounts.seller.address }
    const official = await run(chain, 'official @x402/express + x402Facilitator', 'express-official', { ...env, SETTLER_KEY: officialKey }, payments)
    const tollgate = await run(chain, 'tollgate localSettler', 'express-tollgate', { ...env, SETTLER_KEY: chain.keys.settler }, payments)
    const observedName = `tollgate localSettler + metrics${observedEnv.DATABASE_URL ? ' + Postgres receipts' : ''}`
    const observed = await run(chain, observedName, 'express-tollgate-observed', { ...env, ...observedEnv, SETTLER_KEY: chain.keys.settler }, payments)
    // RPC traffic per payment, counted in a separate small run through a counting proxy, so the
    // proxy's own cost never touches the timed figures above.
    const rpc: Record<string, number> = {}
    for (const [name, scenario, key] of [['official', 'express-official', officialKey], ['tollgate', 'express-tollgate', chain.keys.settler]] as const) {
      const proxy = await startRpcProxy(chain.rpcUrl)
      try {
        const counted = await run(chain, name, scenario, { ...env, RPC_URL: proxy.url, SETTLER_KEY: key }, 40, () => proxy.forwarded)
        rpc[name] = counted.rpcPerPayment
      } finally {
        await proxy.close()
      }
    }
    const rows: Row[] = [official, tollgate, observed].map((r) => ({
      group: 'paid (anvil)',
      variant: r.variant,
      requestsPerSecond: r.perSecond,
      p50: r.p50,
      p99: r.p99,
      ratio: r.perSecond / official.perSecond,
      note: `${r.ok}/${payments} paid, ${r.transfers} transfers${r === observed ? '' : `; ${(r === official ? rpc.official : rpc.tollgate)?.toFixed(1)} RPC HTTP requests per payment`}`,
    }))
    for (const r of [official, tollgate, observed]) {
      if (r.ok !== payments || r.transfers !== payments) notes.push(`${r.variant}: ${r.ok} of ${payments} answered 200 and ${r.transfers} transfers landed (statuses ${JSON.stringify(r.statuses)}).`)
    }
    notes.push(
      `Paid path: ${payments} distinct pre-signed payments per stack, ${CONCURRENCY} in flight, anvil automining one block per transaction ` +
        `(which bounds every stack's throughput here); RPC requests per payment: tollgate ${rpc.tollgate?.toFixed(2)}, official ${rpc.official?.toFixed(2)}.`,
    )
    return { rows, ratio: tollgate.perSecond / official.perSecond, tollgateP50: tollgate.p50, officialP50: official.p50, observedRatio: observed.perSecond / tollgate.perSecond, notes }
  } finally {
    await chain.stop()
  }
}

async function run(chain: TestChain, variant: string, scenario: string, env: Record<string, string>, count: number, rpcRequests: () => number = () => 0) {
  const server = await startServer(scenario, env)
  try {
    const url = `${server.url}/data`
    const challenge = await fetch(url)
    const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
    const buyers = chain.accounts.buyers
    const headers = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const payload = await signAuthorization({ from: buyers[i % buyers.length]!, to: chain.accounts.seller.address, value: BigInt(String(accepted.amount)), token: chain.tokenInfo, chainId: chain.chainId, validAfter: 0n })
        return encodeHeader(v2Payment(accepted, payload))
      }),
    )
    const transfersBefore = await chain.transferCount()
    const rpcBefore = rpcRequests()
    const latencies: number[] = []
    const statuses: Record<number, number> = {}
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < headers.length) {
          const header = headers[next++]!
          const t0 = performance.now()
          const res = await fetch(url, { headers: { 'payment-signature': header } })
          await res.arrayBuffer()
          latencies.push(performance.now() - t0)
          statuses[res.status] = (statuses[res.status] ?? 0) + 1
        }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    latencies.sort((a, b) => a - b)
    return {
      variant,
      // Only answered-and-paid requests count: a 402 is not a sale.
      perSecond: (statuses[200] ?? 0) / seconds,
      p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
      ok: statuses[200] ?? 0,
      statuses,
      transfers: (await chain.transferCount()) - transfersBefore,
      rpcPerPayment: (rpcRequests() - rpcBefore) / count,
    }
  } finally {
    await server.stop()
  }
}
