import { redactUrls } from '../errors/redact.js'
import type { EvmSettler, GasStatus } from '../chains/evm/settler/evm-chain.js'
import { worst, type GasHealth, type NetworkGas, type PartStatus } from './health-report.js'
import { within } from './within.js'

/** The seller's gas threshold in wei: one for every network, or per network name (others: the settler's own `minGasBalance`). */
export type MinGasBalance = bigint | Readonly<Record<string, bigint>>

/**
 * What each gas state means for taking payments: a dry settler refuses every payment, and one whose
 * chain does not answer can neither verify nor settle, so both are 'down'; 'low' still settles.
 */
const STATUS: Record<NetworkGas['state'], PartStatus> = { ok: 'ok', low: 'degraded', dry: 'down', unknown: 'down' }

type GasReporter = EvmSettler & { gasStatus(): Promise<GasStatus[]> }

/**
 * Fresh balance reads of every network the settler is connected to, each call bounded by
 * `timeoutMs`. When the settler does not answer in time, the networks of its last answer are
 * reported 'unknown' (and 'down'), so an outage never empties the list.
 */
export function gasChecker(settler: GasReporter, timeoutMs: number, minBalance?: MinGasBalance): () => Promise<GasHealth> {
  let known: string[] = []
  return async () => {
    const read = await within<GasStatus[] | undefined>(timeoutMs, undefined, () => settler.gasStatus())
    if (!read) return { status: 'down', networks: known.map((network) => ({ network, state: 'unknown', balance: null })) }
    // A seller's own network name goes to the public body: nothing URL-like may ride along in it.
    known = read.map((status) => redactUrls(status.network))
    const networks = read.map((status): NetworkGas => {
      const threshold = typeof minBalance === 'bigint' ? minBalance : minBalance?.[status.network]
      const state = status.state === 'ok' && threshold !== undefined && status.balance !== null && status.balance < threshold ? 'low' : status.state
      // An unanswered read keeps the settler's last balance; shown beside 'unknown' it would look current.
      const balance = state === 'unknown' || status.balance === null ? null : status.balance.toString()
      return { network: redactUrls(status.network), state, balance, ...(status.rotation ? { rotation: status.rotation } : {}) }
    })
    return { status: worst(networks.map((n) => poolStatus(n, networks))), networks }
  }
}

/** A pool member out of rotation only degrades the pool while another member of its network still settles. */
function poolStatus(gas: NetworkGas, all: NetworkGas[]): PartStatus {
  const status = STATUS[gas.state]
  if (gas.rotation !== 'out') return status
  const others = all.some((n) => n !== gas && n.network === gas.network && n.rotation === 'in')
  return others ? 'degraded' : 'down'
}

export function canReportGas(settler: EvmSettler | undefined): settler is GasReporter {
  return typeof settler?.gasStatus === 'function'
}
