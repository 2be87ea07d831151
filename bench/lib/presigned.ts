/**
 * Drives payments signed beforehand through a paid URL with `concurrency` buyers in flight, each
 * taking the next header as soon as its last answer is read. Only the run itself is timed.
 */
/** What every paid-path variant reports, whatever the chain. */
export interface PaidFigures {
  variant: string
  concurrency: number
  /** Paid answers (200) per second: a 402 is not a sale. */
  perSecond: number
  p50: number
  p99: number
  ok: number
  count: number
  statuses: Record<number, number>
}

export interface PresignedRun {
  seconds: number
  /** Milliseconds per request, sorted. */
  latencies: number[]
  statuses: Record<number, number>
}

export async function drivePresigned(url: string, headers: readonly Record<string, string>[], concurrency: number): Promise<PresignedRun> {
  const latencies: number[] = []
  const statuses: Record<number, number> = {}
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < headers.length) {
        const header = headers[next++]!
        const t0 = performance.now()
        const res = await fetch(url, { headers: header })
        await res.arrayBuffer()
        latencies.push(performance.now() - t0)
        statuses[res.status] = (statuses[res.status] ?? 0) + 1
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { seconds, latencies: latencies.sort((a, b) => a - b), statuses }
}

/** The latency at quantile `q` (0..1) of sorted latencies; 0 when there are none. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0
}
