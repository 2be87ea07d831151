import { Gauge, type Registry } from 'prom-client'
import type { GasStatus } from '../chains/evm/settler/evm-chain.js'

/** What the gauge reads: a `localSettler(...)` (or any settler with `gasStatus()`). */
export interface GasSource {
  gasStatus?(): Promise<GasStatus[]>
}

const STATES = ['ok', 'low', 'dry', 'unknown'] as const

/**
 * The settler's gas balance and state per network, read at scrape time but never waited on longer
 * than `timeoutMs`: a slow or dead RPC leaves the last values in place (state 'unknown' once a read
 * fails), so a scrape never hangs on the chain. One read at a time.
 */
export function gasGauges(registry: Registry, prefix: string, settler: GasSource, timeoutMs: number): void {
  let last: GasStatus[] = []
  let reading: Promise<void> | undefined
  const refresh = (): Promise<void> => {
    reading ??= Promise.resolve()
      .then(() => settler.gasStatus?.() ?? [])
      .then(
        (statuses) => void (last = statuses),
        // A failed read: the networks known so far are 'unknown', their balances kept.
        () => void (last = last.map((s) => ({ ...s, state: 'unknown' as const }))),
      )
      .finally(() => {
        reading = undefined
      })
    return reading
  }
  const settled = async (): Promise<GasStatus[]> => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
    })
    await Promise.race([refresh(), timeout])
    clearTimeout(timer)
    return last
  }

  // Both gauges of one scrape are collected together (prom-client asks every metric at once): one read serves both.
  let scrape: Promise<GasStatus[]> | undefined
  const snapshot = () =>
    (scrape ??= settled().finally(() => {
      scrape = undefined
    }))

  new Gauge<'network'>({
    name: prefix + 'settler_gas_balance_wei',
    help: "The settler account's gas balance in wei (a float: Prometheus values are float64), as last read.",
    labelNames: ['network'],
    registers: [registry],
    async collect() {
      const statuses = await snapshot()
      this.reset()
      for (const s of statuses) if (s.balance !== null) this.set({ network: s.network }, Number(s.balance))
    },
  })
  new Gauge<'network' | 'address'>({
    name: prefix + 'settler_pool_in_rotation',
    help: 'For each account of a settler pool: 1 while it takes new payments, 0 while it is out of rotation (dry or stuck).',
    labelNames: ['network', 'address'],
    registers: [registry],
    async collect() {
      const statuses = await snapshot()
      this.reset()
      for (const s of statuses) if (s.rotation) this.set({ network: s.network, address: s.address }, s.rotation === 'in' ? 1 : 0)
    },
  })
  new Gauge<'network' | 'state'>({
    name: prefix + 'settler_gas_state',
    help: "The settler account's gas state per network (1 on the current one): ok, low (below minGasBalance), dry (cannot pay one settlement), unknown.",
    labelNames: ['network', 'state'],
    registers: [registry],
    async collect() {
      const statuses = await snapshot()
      this.reset()
      for (const s of statuses) for (const name of STATES) this.set({ network: s.network, state: name }, s.state === name ? 1 : 0)
    },
  })
}
