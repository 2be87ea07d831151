import autocannon from 'autocannon'

export interface LoadResult {
  requestsPerSecond: number
  p50: number
  p99: number
  /** Responses by status, to prove each variant answered what it should (402, 200…). */
  statuses: Record<string, number>
  errors: number
}

export interface LoadOptions {
  url: string
  headers?: Record<string, string>
  seconds: number
  connections?: number
}

/** Loopback load with autocannon, after a short warm-up so JIT and keep-alive settle first. */
export async function load({ url, headers = {}, seconds, connections = 16 }: LoadOptions): Promise<LoadResult> {
  await autocannon({ url, headers, duration: 1, connections })
  const result = await autocannon({ url, headers, duration: seconds, connections })
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (stat as { count: number }).count
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  }
}
