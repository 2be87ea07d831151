/**
 * Dev-only A/B of paid-path variants on one anvil (not part of `npm run bench`): the variants take
 * turns for BENCH_AB_ROUNDS rounds of BENCH_PAYMENTS payments each, so drift on a shared machine
 * falls on all alike; prints each round and the medians of req/s and p50.
 *   BENCH_AB='[{"name":"20 ms","env":{"BATCH_MS":"20"}},{"name":"20 ms + 3 idle","env":{"BATCH_MS":"20","BATCH_IDLE_MS":"3"}}]' \
 *   BENCH_PAID_BUYERS=16 npx tsx bench/paid-ab.ts
 */
import { privateKeyToAccount } from 'viem/accounts'
import { paidRig, run } from './paid-path.js'

interface Variant {
  name: string
  scenario?: string
  env: Record<string, string>
  /** Settler accounts (a settlerPool when more than one; default 1). */
  pool?: number
}

const variants = JSON.parse(process.env.BENCH_AB ?? '[]') as Variant[]
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 4)
const payments = Number(process.env.BENCH_PAYMENTS ?? 100)
const concurrency = Number(process.env.BENCH_PAID_BUYERS ?? 16)
const rig = await paidRig()
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
try {
  const results = variants.map(() => [] as { perSecond: number; p50: number }[])
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round too, so neither always runs right after the other.
    const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i)
    for (const i of order) {
      const v = variants[i]!
      const keys = await Promise.all(Array.from({ length: v.pool ?? 1 }, () => rig.funded()))
      const keyEnv: Record<string, string> = keys.length > 1 ? { SETTLER_KEYS: keys.join(',') } : { SETTLER_KEY: keys[0]! }
      const r = await run(rig.chain, { variant: v.name, scenario: v.scenario ?? 'express-tollgate', env: { ...rig.env, ...keyEnv, ...v.env }, count: payments, concurrency, buyers: rig.buyers, settlers: keys.map((k) => privateKeyToAccount(k).address) })
      results[i]!.push({ perSecond: r.perSecond, p50: r.p50 })
      process.stdout.write(`round ${round} ${v.name}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, ${r.ok}/${r.count} paid, ${r.transfers} transfers, ${r.gasPerPayment.toFixed(0)} gas/payment\n`)
    }
  }
  for (const [i, v] of variants.entries()) {
    const rs = results[i]!
    process.stdout.write(`${v.name}: median ${median(rs.map((r) => r.perSecond)).toFixed(0)} req/s, median p50 ${median(rs.map((r) => r.p50)).toFixed(1)} ms\n`)
  }
} finally {
  await rig.chain.stop()
}
process.exit(0)
