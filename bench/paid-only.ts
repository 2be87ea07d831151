/**
 * Dev run of the paid path alone (not part of `npm run bench`): the same measurement and targets,
 * narrowed by BENCH_PAID_ONLY (a pattern of variant names; the official stack always runs),
 * BENCH_PAID_BUYERS (e.g. "16" or "16,64") and BENCH_PAYMENTS; BENCH_PAID_CHAIN=solana runs the
 * Solana paid path instead.
 *   BENCH_PAID_ONLY='batched' BENCH_PAID_BUYERS=16 npx tsx bench/paid-only.ts
 */
import { useBuiltPackage } from './lib/built.js'
import { renderTable } from './lib/report.js'
import { measurePaidPath } from './paid-path.js'
import { paidTargets } from './paid-targets.js'
import { measureSolanaPaidPath } from './solana-paid.js'

const payments = Number(process.env.BENCH_PAYMENTS ?? 200)
// As `npm run bench`: the built package, unless BENCH_BUILT=src asks for the sources.
await useBuiltPackage()
if (process.env.BENCH_PAID_CHAIN === 'solana') {
  const solana = await measureSolanaPaidPath(payments, (process.env.BENCH_PAID_BUYERS ?? '16').split(',').map(Number))
  process.stdout.write(`${renderTable(solana.rows)}\n\n`)
  for (const n of solana.notes) process.stdout.write(`- ${n}\n`)
} else {
  const paid = await measurePaidPath(payments)
  process.stdout.write(`${renderTable(paid.rows)}\n\n`)
  const judged = paidTargets(paid.runs)
  for (const t of judged.targets) process.stdout.write(`${t.met ? 'MET    ' : 'NOT MET'} ${t.name}: ${t.measured}\n`)
  for (const n of [...paid.notes, ...judged.notes]) process.stdout.write(`- ${n}\n`)
}
process.exit(0)
