/**
 * Solana paid path on the litesvm stand-in (test/support/solana, a child process as in the tests):
 * tollgate with its own solanaSettler against the official SVM stack (@x402/express seller +
 * x402Facilitator with @x402/svm's exact scheme, from interop/svm-client's own install, each a
 * child process), both on the same stand-in. Payments are made by the official @x402/svm client
 * (buyer-server.mjs, sign only) before timing starts, then fired with bounded concurrency. Every
 * payment must land exactly once: counted per fee payer in the stand-in's transaction history and
 * as the seller's token balance moved; fee per payment from the landed transactions' fees.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startOfficialSvmFacilitator, startOfficialSvmSeller, svmClientInstalled, SVM_CLIENT_INSTALL } from '../test/support/solana/official.js'
import type { SolanaKeypair } from '../test/support/solana/keys.js'
import { spawnSolanaStandIn } from '../test/support/solana/spawn.js'
import type { SolanaStandIn } from '../test/support/solana/stand-in.js'
import { startServer } from './lib/child-server.js'
import { drivePresigned, quantile, type PaidFigures } from './lib/presigned.js'
import type { Row } from './lib/report.js'

const PRICE_ATOMIC = 100_000n // 0.10 of a 6-decimal mint, as the EVM scenarios
const BUYERS = 64

export interface SolanaRun extends PaidFigures {
  /** Successful transfers landed by this stack's fee payer. */
  landed: number
  /** The seller's token balance moved, in payments. */
  paidIn: number
  lamportsPerPayment: number
  /** JSON-RPC calls the stand-in received per payment, by method (both stacks' seller and facilitator sides). */
  rpcPerPayment: Record<string, number>
  latencies: number[]
  seconds: number
}

export interface SolanaResult {
  rows: Row[]
  runs: SolanaRun[]
  notes: string[]
}

export async function measureSolanaPaidPath(payments: number, levels: number[] = [16]): Promise<SolanaResult> {
  if (!svmClientInstalled()) {
    return { rows: [], runs: [], notes: [`Solana paid path not measured: the official @x402/svm stack is not installed (${SVM_CLIENT_INSTALL}).`] }
  }
  const sol = await spawnSolanaStandIn()
  const stops: (() => Promise<void>)[] = [() => sol.stop()]
  try {
    const seller = await sol.newSeller()
    const buyers: SolanaKeypair[] = []
    for (let i = 0; i < BUYERS; i++) buyers.push(await sol.fundBuyer({ amount: 1_000_000_000_000n }))
    const officialPayer = await sol.newKeypair()
    await sol.airdrop(officialPayer.address, 10_000_000_000n)
    const facilitator = await startOfficialSvmFacilitator(sol.url, officialPayer)
    stops.push(facilitator.stop)
    const official = await startOfficialSvmSeller({ facilitatorUrl: facilitator.url, rpcUrl: sol.url, payTo: seller.address, asset: sol.mint, amount: PRICE_ATOMIC })
    stops.push(official.stop)
    const ours = await startServer('express-tollgate-solana', { SOL_RPC_URL: sol.url, FEE_PAYER_KEY: sol.feePayer.secretKeyBase58, MINT: sol.mint, PAY_TO: seller.address })
    stops.push(ours.stop)
    const signer = await startSigner()
    stops.push(signer.stop)

    const runs: SolanaRun[] = []
    const stacks = [
      ['official @x402/express + x402Facilitator (@x402/svm)', `${official.url}/data`, officialPayer.address],
      ['tollgate, solanaSettler', `${ours.url}/data`, sol.feePayer.address],
    ] as const
    for (const concurrency of levels) {
      // Two alternating rounds of half the payments each, so drift on a shared machine falls on both alike.
      const halves: SolanaRun[][] = stacks.map(() => [])
      for (let round = 0; round < 2; round++) {
        for (const [i, [variant, url, feePayer]] of stacks.entries()) {
          const count = round === 0 ? Math.ceil(payments / 2) : Math.floor(payments / 2)
          halves[i]!.push(await run(sol, { variant, url, feePayer, seller: seller.address, count, concurrency, buyers: buyers.slice(0, concurrency), sign: signer.sign }))
        }
      }
      runs.push(...halves.map(merge))
    }
    const rows: Row[] = runs.map((r) => {
      const base = runs.find((o) => o.concurrency === r.concurrency && o.variant.startsWith('official'))!
      return {
        group: `paid, Solana (stand-in, ${r.concurrency} buyers)`,
        variant: r.variant,
        requestsPerSecond: r.perSecond,
        p50: r.p50,
        p99: r.p99,
        ratio: r.perSecond / base.perSecond,
        note: `${r.ok}/${r.count} paid, ${r.landed} transfers landed, seller paid ${r.paidIn}×, ${r.lamportsPerPayment.toFixed(0)} lamports fee/payment`,
      }
    })
    const notes = [
      `Solana paid path: ${payments} payments per variant (two alternating rounds) signed beforehand by the official @x402/svm client, ${levels.join(' and ')} in flight, on the litesvm JSON-RPC stand-in ` +
        '(lands each transaction when it is sent: no slot time, so this measures the stacks, not a cluster). Fee per payment: the landed transactions\' fees paid by that stack\'s fee payer.',
    ]
    for (const r of runs.filter((r) => r.concurrency === levels[0])) {
      const total = Object.values(r.rpcPerPayment).reduce((a, b) => a + b, 0)
      const methods = Object.entries(r.rpcPerPayment).map(([m, n]) => `${m} ${n.toFixed(2)}`).join(', ')
      notes.push(`Solana RPC calls per payment (${r.concurrency} buyers, signing excluded), ${r.variant}: ${total.toFixed(2)} (${methods}).`)
    }
    for (const r of runs) {
      if (r.ok !== r.count || r.landed !== r.count || r.paidIn !== r.count) notes.push(`Solana ${r.variant} (${r.concurrency} buyers): ${r.ok} of ${r.count} answered 200, ${r.landed} transfers landed, the seller was paid ${r.paidIn} times (statuses ${JSON.stringify(r.statuses)}).`)
    }
    return { rows, runs, notes }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}

interface RunOptions {
  variant: string
  url: string
  feePayer: string
  seller: string
  count: number
  concurrency: number
  buyers: SolanaKeypair[]
  sign(url: string, buyer: SolanaKeypair, rpc: string, asset: string): Promise<Record<string, string>>
}

async function run(sol: SolanaStandIn, o: RunOptions): Promise<SolanaRun> {
  // Signed before timing, a few at a time (each asks the seller for its 402 and the stand-in for a blockhash).
  const headers: Record<string, string>[] = new Array(o.count)
  let toSign = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (toSign < o.count) {
        const i = toSign++
        headers[i] = await o.sign(o.url, o.buyers[i % o.buyers.length]!, sol.url, sol.mint)
      }
    }),
  )
  const historyBefore = (await sol.history()).length
  const callsBefore = await sol.calls()
  const balanceBefore = (await sol.tokenBalance(o.seller as never)) ?? 0n
  const { seconds, latencies, statuses } = await drivePresigned(o.url, headers, o.concurrency)
  const landed = (await sol.history()).slice(historyBefore).filter((h) => h.feePayer === o.feePayer && h.state === 'landed' && h.err === null)
  const balanceAfter = (await sol.tokenBalance(o.seller as never)) ?? 0n
  const callsAfter = await sol.calls()
  const rpcPerPayment = Object.fromEntries(
    Object.entries(callsAfter)
      .map(([method, n]) => [method, (n - (callsBefore[method] ?? 0)) / o.count] as const)
      .filter(([, n]) => n > 0),
  )
  return {
    variant: o.variant,
    concurrency: o.concurrency,
    perSecond: (statuses[200] ?? 0) / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ok: statuses[200] ?? 0,
    count: o.count,
    landed: landed.length,
    paidIn: Number((balanceAfter - balanceBefore) / PRICE_ATOMIC),
    lamportsPerPayment: landed.length > 0 ? landed.reduce((sum, h) => sum + h.fee, 0) / landed.length : 0,
    rpcPerPayment,
    statuses,
    latencies,
    seconds,
  }
}

function merge(parts: SolanaRun[]): SolanaRun {
  const [first] = parts as [SolanaRun, ...SolanaRun[]]
  const sum = (pick: (r: SolanaRun) => number) => parts.reduce((total, r) => total + pick(r), 0)
  const latencies = parts.flatMap((r) => r.latencies).sort((a, b) => a - b)
  const count = sum((r) => r.count)
  const statuses: Record<number, number> = {}
  for (const r of parts) for (const [code, n] of Object.entries(r.statuses)) statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n
  const rpcPerPayment: Record<string, number> = {}
  for (const r of parts) for (const [m, n] of Object.entries(r.rpcPerPayment)) rpcPerPayment[m] = (rpcPerPayment[m] ?? 0) + (n * r.count) / count
  const landed = sum((r) => r.landed)
  return {
    ...first,
    perSecond: sum((r) => r.ok) / sum((r) => r.seconds),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ok: sum((r) => r.ok),
    count,
    landed,
    paidIn: sum((r) => r.paidIn),
    lamportsPerPayment: landed > 0 ? sum((r) => r.lamportsPerPayment * r.landed) / landed : 0,
    rpcPerPayment,
    statuses,
    latencies,
    seconds: sum((r) => r.seconds),
  }
}

/** The official client as one long-lived process (interop/svm-client/buyer-server.mjs), asked to sign only. */
async function startSigner(): Promise<{ sign: RunOptions['sign']; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('../interop/svm-client/buyer-server.mjs', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`buyer-server.mjs did not start: ${stderr}`)), 30_000)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      resolve((JSON.parse(line) as { url: string }).url)
    })
    child.once('exit', (code) => reject(new Error(`buyer-server.mjs exited (${code}): ${stderr}`)))
  })
  return {
    async sign(target, buyer, rpc, asset) {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify({ url: target, secret: buyer.secretKeyBase58, rpc, asset, signOnly: true }) })
      const answer = (await res.json()) as { paymentHeaders?: Record<string, string>; error?: string }
      if (!answer.paymentHeaders) throw new Error(`the official SVM client did not sign: ${answer.error ?? 'no header'}`)
      return answer.paymentHeaders
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref()
      }),
  }
}
