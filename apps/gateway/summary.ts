/**
 * The startup summary: what the gateway serves and who pays the gas, in a few lines. It names
 * routes, prices, networks, the store, the settler's address and gas balance; never a key, an RPC
 * URL or a Redis URL (those may carry credentials).
 */
import { formatEther } from 'viem'
import type { GasStatus, PaywallOptions } from '../../src/index.js'
import type { GatewayConfig } from './gateway-config.js'
import type { SharedParts } from './shared-parts.js'

export async function summaryLines(config: GatewayConfig, shared: SharedParts, address: string): Promise<string[]> {
  const target = new URL(config.target)
  const lines = [`tollgate gateway listening on ${address} -> ${target.origin}${target.pathname === '/' ? '' : target.pathname}`]
  lines.push('  routes:')
  const width = Math.max(...config.routes.map((route) => route.label.length))
  for (const route of config.routes) lines.push(`    ${route.label.padEnd(width)}  ${describe(route.paywall)}`)
  lines.push(`    (other paths: ${config.unmatched === 'proxy' ? 'forwarded free' : '404'})`)
  if (config.payTo) lines.push(`  payTo: ${config.payTo}`)
  lines.push(`  store: ${shared.storeLabel}`)
  if (shared.settler) {
    lines.push(`  settler: ${shared.settler.address}`)
    for (const gas of await gasStatus(shared)) lines.push(`    gas on ${gas.network}: ${gas.balance === null ? 'unknown (the RPC did not answer)' : `${formatEther(gas.balance)} ETH (${gas.state})`}`)
  }
  if (shared.facilitators) lines.push(`  facilitator: ${shared.facilitators.length} (settles and pays gas)`)
  if (config.prepaid) {
    const path = config.prepaid.path ?? '/prepaid'
    lines.push(`  prepaid: ${config.prepaid.packages.map((p) => `${p.id} (${p.calls} calls, ${p.days} days, ${p.price} on ${p.network})`).join(', ')} at ${path}/packages, ${path}/purchase`)
  }
  if (config.limits) {
    const windows = (['perPayer', 'perIp', 'perRoute'] as const).flatMap((name) => {
      const window = config.limits?.[name]
      return window ? [`${name} ${window.requests}/${window.windowMs / 1000}s`] : []
    })
    lines.push(`  limits: ${windows.join(', ')}`)
  }
  if (config.metrics) lines.push(`  metrics: ${config.metrics.path}`)
  if (config.health) lines.push(`  health: ${config.health.path}`)
  lines.push(`  forward: ${config.forward.headers.length} extra headers; upstream timeout ${config.forward.timeoutMs} ms; bodies up to ${config.forward.maxBodyBytes} bytes`)
  return lines
}

function describe(options: PaywallOptions | null): string {
  if (!options) return 'free'
  const record = options as unknown as Record<string, unknown>
  const accepts = (Array.isArray(record.accepts) ? record.accepts : [record]) as { amount?: unknown; network?: unknown }[]
  const prices = accepts.map((a) => `${price(a.amount)} on ${String(a.network)}`).join(' or ')
  const extras = [String(record.settle ?? 'after-handler'), ...(record.prepaid ? ['prepaid'] : [])]
  return `${prices} (${extras.join(', ')})`
}

function price(amount: unknown): string {
  if (typeof amount === 'string') return amount
  if (amount && typeof amount === 'object' && 'atomic' in amount) return `${String((amount as { atomic: unknown }).atomic)} atomic`
  return String(amount)
}

/** The settler's gas per network, bounded: a slow RPC delays the summary by at most 5 s. */
async function gasStatus(shared: SharedParts): Promise<GasStatus[]> {
  const settler = shared.settler
  if (!settler) return []
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000).unref())
  const statuses = await Promise.race([settler.gasStatus().catch(() => null), timeout])
  return statuses ?? []
}
