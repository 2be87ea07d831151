import type { Target } from './lib/report.js'
import type { PaidRun } from './paid-path.js'

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? 'n/a' : n.toFixed(digits))

/**
 * The paid-path targets, per number of buyers in flight, for each settlement policy apart: the
 * fastest synchronous variant (settled before the answer) and the fastest async variant (served
 * after verification and the claim, settled after the answer), each against the official stack
 * (≥ 5 × its paid requests/s, p50 not above its p50, every payment settled exactly once: async
 * counted after its queue drained), with gas per payment of each variant beside it.
 */
export function paidTargets(runs: PaidRun[]): { targets: Target[]; notes: string[] } {
  const targets: Target[] = []
  const notes: string[] = []
  const goal = '≥ 5 × the official stack, p50 ≤ official p50, 100% settled exactly once'
  for (const concurrency of [16, 64]) {
    const at = runs.filter((r) => r.concurrency === concurrency)
    const official = at.find((r) => r.variant.startsWith('official'))
    if (!official) continue
    const comparable = (r: PaidRun) => r.variant.startsWith('tollgate') && !r.variant.includes('before-handler') && !r.variant.includes('metrics')
    const policies = [
      { name: 'synchronous (settled before the answer)', runs: at.filter((r) => comparable(r) && !r.servedBeforeSettlement) },
      { name: "settle: 'async' (served before settlement; the seller carries the unsettled value)", runs: at.filter((r) => comparable(r) && r.servedBeforeSettlement) },
    ]
    const metBy: string[] = []
    for (const policy of policies) {
      if (policy.runs.length === 0) continue
      const best = policy.runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
      // Tollgate's own payments: the official stack's failed payments are reported in the notes, and its req/s counts only its paid answers.
      const exactlyOnce = policy.runs.every((r) => r.ok === r.count && r.transfers === r.count)
      const ratio = best.perSecond / official.perSecond
      const met = ratio >= 5 && best.p50 <= official.p50 && exactlyOnce
      if (met) metBy.push(best.variant)
      const gas = [official, ...policy.runs].map((r) => `${r.variant.replace(/^tollgate, /, '').replace(/ \(.*?\)/g, '')} ${fmt(r.gasPerPayment, 0)}`).join('; ')
      targets.push({
        name: `paid path, ${concurrency} buyers, ${policy.name}`,
        goal,
        measured:
          `${fmt(ratio)} × official (best: ${best.variant}); p50 ${fmt(best.p50, 1)} ms vs ${fmt(official.p50, 1)} ms; ` +
          `${exactlyOnce ? 'every payment settled once' : 'NOT every payment settled once (see notes)'}` +
          `${best.drainMs !== undefined ? `, queue drained ${fmt(best.drainMs / 1000, 1)} s after the last answer` : ''}; gas/payment: ${gas}`,
        met,
      })
    }
    notes.push(
      `Paid path at ${concurrency} buyers: ${metBy.length > 0 ? `the target is met by ${metBy.join(' and ')}` : 'no variant meets the target'}` +
        `${metBy.length > 0 && metBy.every((v) => v.includes('async')) ? "; only the settle: 'async' policy meets it, and it answers before the payment is on chain (the buyer could move the funds first: the seller's risk, bounded by maxUnsettledPerPayer); no synchronous variant does" : ''}.`,
    )
  }
  const at16 = runs.filter((r) => r.concurrency === 16)
  const after = at16.find((r) => r.variant === 'tollgate, one settler account')
  const before = at16.find((r) => r.variant.includes('before-handler'))
  const queued = at16.find((r) => r.servedBeforeSettlement && !r.variant.includes('batched'))
  if (after && before && queued) {
    // No goal: reported beside the other policies.
    notes.push(
      `Async settlement latency (16 buyers): p50 async ${fmt(queued.p50, 1)} ms, after-handler ${fmt(after.p50, 1)} ms, before-handler ${fmt(before.p50, 1)} ms; ` +
        `async ${fmt(queued.perSecond / after.perSecond)} × after-handler's paid req/s; its queue drained ${fmt((queued.drainMs ?? 0) / 1000, 1)} s after the last answer, ${queued.transfers}/${queued.count} settled.`,
    )
  }
  return { targets, notes }
}
