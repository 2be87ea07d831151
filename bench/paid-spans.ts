/**
 * Dev-only: where the synchronous paid path spends its time (not part of `npm run bench`). Runs the
 * paid path (bench/paid-only.ts's filters apply: BENCH_PAID_ONLY, BENCH_PAID_BUYERS, BENCH_PAYMENTS)
 * with every server recording its JSON-RPC calls and the gate's verified/settled events
 * (bench/lib/spans.ts), then prints per server: the verify and settle latencies, each RPC method's
 * count per payment and duration, and per settlement transaction its timeline (window, estimate,
 * send, receipt polls, answer).
 *   BENCH_PAID_ONLY='batched \(' BENCH_PAID_BUYERS=16 npx tsx bench/paid-spans.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GateSpan, RpcSpan } from './lib/spans.js'
import { measurePaidPath } from './paid-path.js'

const dir = mkdtempSync(join(tmpdir(), 'tollgate-spans-'))
process.env.SPANS_DIR = dir
const paid = await measurePaidPath(Number(process.env.BENCH_PAYMENTS ?? 200))
for (const r of paid.runs) process.stdout.write(`${r.variant} @${r.concurrency}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, ${r.ok}/${r.count} paid, ${r.transfers} transfers\n`)

const q = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}
const ms = (values: number[]) => `p50 ${q(values, 0.5).toFixed(1)} p90 ${q(values, 0.9).toFixed(1)} (n=${values.length})`

for (const file of readdirSync(dir)) {
  const { rpc, gate } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { rpc: RpcSpan[]; gate: GateSpan[] }
  const settled = gate.filter((g) => g.kind === 'settled')
  if (settled.length === 0) continue
  const verified = gate.filter((g) => g.kind === 'verified')
  process.stdout.write(`\n## server ${file}: ${settled.length} settled, ${gate.filter((g) => g.kind === 'failed').length} failed\n`)
  process.stdout.write(`receive → verified: ${ms(verified.map((g) => g.latencyMs))}\n`)
  process.stdout.write(`receive → settled:  ${ms(settled.map((g) => g.latencyMs))}\n`)
  const methods = new Map<string, number[]>()
  for (const s of rpc) methods.set(s.method, [...(methods.get(s.method) ?? []), s.end - s.start])
  for (const [method, durations] of methods) process.stdout.write(`  ${method.padEnd(34)} ${(durations.length / settled.length).toFixed(2)}/payment  ${ms(durations)}\n`)

  // Per settlement transaction: its members' receive times, its estimate, send, receipt polls.
  const byTx = new Map<string, GateSpan[]>()
  for (const s of settled) byTx.set(s.transaction!, [...(byTx.get(s.transaction!) ?? []), s])
  const parts: Record<string, number[]> = { size: [], 'first receive → estimate start': [], 'last receive → estimate start': [], estimate: [], 'estimate end → send start': [], send: [], 'send end → settled (first)': [], 'receipt queries': [], 'send start → previous send end (overlap < 0)': [] }
  const sends = rpc.filter((s) => s.method.startsWith('eth_sendRawTransaction')).sort((a, b) => a.start - b.start)
  for (const [tx, members] of byTx) {
    const send = sends.find((s) => s.tx === tx)
    if (!send) continue
    const estimate = rpc.filter((s) => s.method === 'eth_estimateGas' && s.dataHash === send.dataHash && s.end <= send.start).at(-1)
    const receives = members.map((m) => m.at - m.latencyMs)
    parts.size!.push(members.length)
    if (estimate) {
      parts['first receive → estimate start']!.push(estimate.start - Math.min(...receives))
      parts['last receive → estimate start']!.push(estimate.start - Math.max(...receives))
      parts.estimate!.push(estimate.end - estimate.start)
      parts['estimate end → send start']!.push(send.start - estimate.end)
    }
    parts.send!.push(send.end - send.start)
    parts['send end → settled (first)']!.push(Math.min(...members.map((m) => m.at)) - send.end)
    parts['receipt queries']!.push(rpc.filter((s) => s.method === 'eth_getTransactionReceipt' && s.tx === tx).length)
    const previous = sends[sends.indexOf(send) - 1]
    if (previous) parts['send start → previous send end (overlap < 0)']!.push(send.start - previous.end)
  }
  process.stdout.write(`per settlement transaction (${byTx.size}):\n`)
  for (const [name, values] of Object.entries(parts)) process.stdout.write(`  ${name.padEnd(46)} ${ms(values)}\n`)
}
rmSync(dir, { recursive: true, force: true })
process.exit(0)
