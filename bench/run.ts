/**
 * `npm run bench`: every comparison measured side by side in one run, on loopback, bounded in
 * time; prints the table and writes bench/RESULTS.md. Tests never assert timings: this does the
 * measuring, and reports ratios against baselines taken in the same run.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { KeyRing } from '../src/prepaid/credential-keys.js'
import { postgresAvailable, startPostgres } from '../test/support/postgres.js'
import { redisAvailable, startRedis } from '../test/support/redis.js'
import { useBuiltPackage } from './lib/built.js'
import { startServer, type ChildServer } from './lib/child-server.js'
import { load, type LoadResult } from './lib/load.js'
import { renderResults, renderTable, type Row, type Target } from './lib/report.js'
import { measurePaidPath, type PaidResult } from './paid-path.js'
import { paidTargets } from './paid-targets.js'
import { measureSolanaPaidPath } from './solana-paid.js'
import { measureVerification } from './verification.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const rows: Row[] = []
const notes: string[] = []

interface Variant {
  variant: string
  scenario: string
  env?: Record<string, string>
  headers?: Record<string, string>
  /** The status every answer must have; anything else is reported beside the figure. */
  status: number
}

/** Servers start together, then take turns under load (two rounds each) so drift falls on all alike. */
async function group(name: string, variants: Variant[]): Promise<LoadResult[]> {
  const servers: ChildServer[] = []
  try {
    for (const v of variants) servers.push(await startServer(v.scenario, v.env))
    const results: LoadResult[][] = variants.map(() => [])
    for (let round = 0; round < 2; round++) {
      for (const [i, v] of variants.entries()) {
        results[i]!.push(await load({ url: `${servers[i]!.url}/data`, headers: v.headers ?? {}, seconds: SECONDS / 2 }))
      }
    }
    const merged = results.map(merge)
    const baseline = merged[0]!.requestsPerSecond
    for (const [i, v] of variants.entries()) {
      const r = merged[i]!
      const other = Object.entries(r.statuses).filter(([code]) => Number(code) !== v.status)
      const note = other.length > 0 || r.errors > 0 ? `unexpected: ${JSON.stringify(Object.fromEntries(other))} errors ${r.errors}` : `all ${v.status}`
      rows.push({ group: name, variant: v.variant, requestsPerSecond: r.requestsPerSecond, p50: r.p50, p99: r.p99, ratio: r.requestsPerSecond / baseline, note })
    }
    process.stdout.write(`${renderTable(rows.filter((r) => r.group === name))}\n\n`)
    return merged
  } finally {
    for (const s of servers) await s.stop()
  }
}

function merge(parts: LoadResult[]): LoadResult {
  const avg = (pick: (r: LoadResult) => number) => parts.reduce((sum, r) => sum + pick(r), 0) / parts.length
  const statuses: Record<string, number> = {}
  for (const part of parts) for (const [code, n] of Object.entries(part.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  return { requestsPerSecond: avg((r) => r.requestsPerSecond), p50: avg((r) => r.p50), p99: avg((r) => r.p99), statuses, errors: parts.reduce((s, r) => s + r.errors, 0) }
}

const ratioOf = (groupName: string, variant: string) => rows.find((r) => r.group === groupName && r.variant === variant)?.ratio
const fmt = (n: number | undefined, digits = 2) => (n === undefined ? 'n/a' : n.toFixed(digits))

async function main() {
  const started = Date.now()
  // Every tollgate server runs the package as built for sellers (BENCH_BUILT=src runs the sources through tsx instead).
  notes.push((await useBuiltPackage()) === 'built' ? 'tollgate servers run the built package (tsup, ESM), as sellers do; the official stack is the published JavaScript.' : 'tollgate servers ran the TypeScript sources through tsx (BENCH_BUILT=src), which costs more than the built package.')
  const targets: Target[] = []

  // 1. Challenge path: requests without payment.
  await group('challenge (express)', [
    { variant: 'bare express (200)', scenario: 'express-bare', status: 200 },
    { variant: 'tollgate 402', scenario: 'express-tollgate', status: 402 },
    { variant: 'official @x402/express 402', scenario: 'express-official', status: 402 },
    { variant: 'bare express sending the same 402 bytes', scenario: 'express-static402', status: 402 },
  ])
  await group('challenge (fastify)', [
    { variant: 'bare fastify (200)', scenario: 'fastify-bare', status: 200 },
    { variant: 'tollgate 402', scenario: 'fastify-tollgate', status: 402 },
    { variant: 'bare fastify sending the same 402 bytes', scenario: 'fastify-static402', status: 402 },
  ])
  await group('challenge (koa)', [
    { variant: 'bare koa (200)', scenario: 'koa-bare', status: 200 },
    { variant: 'tollgate 402', scenario: 'koa-tollgate', status: 402 },
    { variant: 'bare koa sending the same 402 bytes', scenario: 'koa-static402', status: 402 },
  ])
  // Issue 17's goals: each framework's 402 against that framework sending the same 402 bytes (what the protocol's payload
  // costs any middleware), Express also above the official middleware.
  const official = ratioOf('challenge (express)', 'official @x402/express 402')
  for (const framework of ['express', 'fastify', 'koa']) {
    const ratio = ratioOf(`challenge (${framework})`, 'tollgate 402')
    const sameBytes = ratioOf(`challenge (${framework})`, `bare ${framework} sending the same 402 bytes`)
    const ofSameBytes = ratio === undefined || sameBytes === undefined ? undefined : ratio / sameBytes
    const aboveOfficial = framework !== 'express' || official === undefined || (ratio !== undefined && ratio > official)
    targets.push({
      name: `challenge path (${framework})`,
      goal: `≥ 0.95 × ${framework} sending the same 402 bytes${framework === 'express' ? ', and above the official middleware' : ''}`,
      measured: `${fmt(ofSameBytes)} × the same bytes (${fmt(ratio)} × bare; the same bytes ${fmt(sameBytes)} × bare${framework === 'express' ? `; official ${fmt(official)} × bare` : ''})`,
      met: ofSameBytes === undefined ? null : ofSameBytes >= 0.95 && aboveOfficial,
    })
  }

  // 1b. Challenge path with a price computed per request (per API key) against the fixed price.
  await group('challenge (express, dynamic price)', [
    { variant: 'tollgate 402, fixed price', scenario: 'express-tollgate', headers: { 'x-api-key': 'gold' }, status: 402 },
    { variant: 'tollgate 402, price per API key', scenario: 'express-tollgate-dynamic', headers: { 'x-api-key': 'gold' }, status: 402 },
  ])
  const dynamic = ratioOf('challenge (express, dynamic price)', 'tollgate 402, price per API key')
  targets.push({
    name: 'challenge path, dynamic price (Express)',
    goal: 'within 10% of the same route with a fixed price (≥ 0.9 ×)',
    measured: `${fmt(dynamic)} × fixed price`,
    met: dynamic === undefined ? null : dynamic >= 0.9,
  })

  // 1c. What metrics and a receipts ledger cost on the challenge path (receipts are written only for settlements).
  const db = postgresAvailable() ? await startPostgres() : undefined
  const observedEnv: Record<string, string> = db ? { DATABASE_URL: db.connectionString } : {}
  await group('challenge (express, metrics + receipts)', [
    { variant: 'tollgate 402', scenario: 'express-tollgate', status: 402 },
    { variant: `tollgate 402 with metrics${db ? ' + Postgres receipts' : ''}`, scenario: 'express-tollgate-observed', env: observedEnv, status: 402 },
  ])
  const observed = ratioOf('challenge (express, metrics + receipts)', `tollgate 402 with metrics${db ? ' + Postgres receipts' : ''}`)
  targets.push({
    name: 'challenge path with metrics + receipts (Express)',
    goal: '≥ 0.95 × without them (≤ 5% cost)',
    measured: `${fmt(observed)} × without${db ? '' : ' (metrics only: Postgres not installed)'}`,
    met: observed === undefined ? null : observed >= 0.95,
  })

  // 2. Prepaid path: calls on a valid credential.
  const secret = 'bench-prepaid-secret-of-at-least-32-bytes'
  const credential = new KeyRing([{ id: 'default', secret }]).sign({
    jti: crypto.randomUUID(),
    sub: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    aud: `tollgate:${PAY_TO.toLowerCase()}`,
    pkg: 'bench',
    calls: 100_000_000,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 86_400,
  })
  const prepaid: Variant[] = [
    { variant: 'bare express (200)', scenario: 'express-bare', status: 200 },
    { variant: 'tollgate prepaid, memory store', scenario: 'express-tollgate', env: { PREPAID_SECRET: secret }, headers: { 'x-prepaid-credential': credential }, status: 200 },
  ]
  const redis = redisAvailable() ? await startRedis() : undefined
  if (redis) {
    prepaid.push({ variant: 'tollgate prepaid, Redis store', scenario: 'express-tollgate', env: { PREPAID_SECRET: secret, STORE: 'redis', REDIS_PORT: String(redis.port) }, headers: { 'x-prepaid-credential': credential }, status: 200 })
  } else notes.push('Redis was not installed: the prepaid Redis variant was not measured (apt-get install -y redis-server).')
  try {
    await group('prepaid', prepaid)
  } finally {
    await redis?.stop()
  }
  const memory = ratioOf('prepaid', 'tollgate prepaid, memory store')
  const viaRedis = ratioOf('prepaid', 'tollgate prepaid, Redis store')
  targets.push({ name: 'prepaid path, memory store', goal: '≥ 0.9 × bare', measured: `${fmt(memory)} × bare`, met: memory === undefined ? null : memory >= 0.9 })
  targets.push({ name: 'prepaid path, Redis store', goal: '≥ 0.6 × bare', measured: `${fmt(viaRedis)} × bare`, met: viaRedis === undefined ? null : viaRedis >= 0.6 })

  // 3. Paid path end to end on anvil.
  const paidStarted = Date.now()
  const paid: PaidResult = await measurePaidPath(Number(process.env.BENCH_PAYMENTS ?? 200), observedEnv)
  await db?.stop()
  for (const r of paid.rows) rows.push(r)
  process.stdout.write(`${renderTable(paid.rows)}\n\n`)
  notes.push(...paid.notes)
  const judged = paidTargets(paid.runs)
  targets.push(...judged.targets)
  notes.push(...judged.notes)
  targets.push({
    name: 'paid path with metrics + receipts',
    goal: '≥ 0.95 × without them',
    measured: `${fmt(paid.observedRatio)} × without${db ? '' : ' (metrics only: Postgres not installed)'}`,
    met: paid.observedRatio >= 0.95,
  })

  // 3b. Solana paid path on the stand-in, tollgate against the official SVM stack (no goal set: reported beside it).
  const solanaStarted = Date.now()
  const paidSeconds = (solanaStarted - paidStarted) / 1000
  const solana = await measureSolanaPaidPath(Number(process.env.BENCH_SOLANA_PAYMENTS ?? 160), [16, 64])
  const solanaSeconds = (Date.now() - solanaStarted) / 1000
  for (const r of solana.rows) rows.push(r)
  if (solana.rows.length > 0) process.stdout.write(`${renderTable(solana.rows)}\n\n`)
  notes.push(...solana.notes)

  // 4. Verification alone: tollgate's whole local check against viem's bare recovery of the same proof.
  const verification = await measureVerification(Math.max(4, SECONDS / 2))
  const speedup = verification.tollgatePerSecond / verification.recoverPerSecond
  notes.push(
    `Verification alone: tollgate ${verification.tollgatePerSecond.toFixed(0)}/s (libsecp256k1 ${verification.native ? 'loaded' : 'NOT loaded: pure-JS fallback'}), ` +
      `viem recoverTypedDataAddress ${verification.recoverPerSecond.toFixed(0)}/s (chain reads excluded).`,
  )
  targets.push({ name: 'verification alone', goal: '≥ 10 × viem recoverTypedDataAddress', measured: `${fmt(speedup)} ×`, met: speedup >= 10 })

  notes.push(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s (paid path on anvil ${paidSeconds.toFixed(0)} s, Solana ${solanaSeconds.toFixed(0)} s), ${SECONDS} s per scenario (BENCH_SECONDS).`)
  const results = renderResults(rows, targets, notes.map((n) => `- ${n}`))
  writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), results)
  process.stdout.write(`${results}\n`)
}

await main()
process.exit(0)
