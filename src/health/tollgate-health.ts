import { ConfigurationError } from '../errors/tollgate-error.js'
import type { FacilitatorClient } from '../facilitator/http-facilitator.js'
import type { HttpAnswer } from '../gate/decision.js'
import type { TollgateHooks } from '../hooks/hook-types.js'
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import { settlersOf } from '../config/families.js'
import { isReadinessSource, solanaChecker, type SolanaReadinessSource } from './solana-check.js'
import type { Store } from '../stores/store.js'
import type { Tollgate } from '../tollgate.js'
import { checkFacilitators } from './facilitator-check.js'
import { canReportGas, gasChecker, type MinGasBalance } from './gas-check.js'
import { worst, type HealthReport } from './health-report.js'
import { PendingTracker, type PendingThresholds } from './pending-tracker.js'
import { queueChecker, type QueueDepthSource } from './queue-check.js'
import { checkStore } from './store-check.js'

export interface HealthOptions {
  /**
   * The tollgate to report on (`createTollgate(...)`, or an adapter's `gate`): its store, settler and
   * facilitators are checked. Or give `store`, `settler` and `facilitators` yourself, e.g. to build
   * the health before the tollgate so `hooks` can go into its configuration.
   */
  core?: Tollgate | { core: Tollgate }
  store?: Store
  settler?: EvmSettler
  facilitators?: FacilitatorClient | readonly FacilitatorClient[]
  /** A Solana settler (`solanaSettler` from tollgate/solana) whose `ready()` is reported; default the core's. */
  solana?: SolanaReadinessSource
  /** Gas threshold in wei, for every network or per network name; below it a network is 'low' (degraded, still 200). */
  gas?: { minBalance?: MinGasBalance }
  /**
   * The async settlement queue to report (default the core's `asyncSettlement`): its depth, the
   * payments served and not yet settled; 'degraded' above `maxDepth` (default: no bound) or when it
   * does not answer in time.
   */
  queue?: { source?: QueueDepthSource; maxDepth?: number }
  /** When unknown settlements make the report 'degraded' (default: any at all, or one older than 10 minutes). */
  pending?: PendingThresholds
  /** Bound on each check in milliseconds (default 2000); a check that outlasts it is 'down'. */
  timeoutMs?: number
  /**
   * How long one report is reused, in milliseconds (default 1000; 0: every call checks). Concurrent
   * calls always share one check, so a polled or flooded endpoint costs at most one round of store,
   * chain and facilitator reads per interval.
   */
  cacheMs?: number
  clock?: () => number
}

export interface TollgateHealth {
  /** A fresh (or at most `cacheMs` old) report. Never rejects. */
  check(): Promise<HealthReport>
  /** The report as an HTTP answer: 200 when nothing is down (degraded included), else 503; `cache-control: no-store`. Never rejects. */
  answer(): Promise<HttpAnswer>
  /** Put these in the tollgate's `hooks` (with `combineHooks` beside others) to count unknown settlements. */
  readonly hooks: TollgateHooks
}

/**
 * A health endpoint for load balancers and on-call: store reachability, the settler's gas on each
 * network, facilitator reachability and the settlements this process left unknown. 503 only when
 * payments would be refused (store down, settler dry or its chain unreachable, no facilitator
 * answering); a low gas balance or a pending settlement is 'degraded' with 200.
 */
export function tollgateHealth(options: HealthOptions = {}): TollgateHealth {
  const problems = optionProblems(options)
  if (problems.length > 0) throw new ConfigurationError(problems)
  const core = options.core === undefined ? undefined : 'core' in options.core ? options.core.core : options.core
  const store = options.store ?? core?.store
  // Gas is an EVM settler's; a Solana fee payer is checked with its own ready().
  const settler = options.settler ?? settlersOf(core?.config.settler).evm
  const facilitators = [options.facilitators ?? core?.config.facilitator ?? []].flat() as FacilitatorClient[]
  const timeoutMs = options.timeoutMs ?? 2_000
  const cacheMs = options.cacheMs ?? 1_000
  const clock = options.clock ?? Date.now
  const tracker = new PendingTracker(clock, { maxCount: options.pending?.maxCount ?? 0, maxAgeMs: options.pending?.maxAgeMs ?? 600_000 })
  const gas = canReportGas(settler) ? gasChecker(settler, timeoutMs, options.gas?.minBalance) : undefined
  const solanaSource = options.solana ?? settlersOf(core?.config.settler).solana
  const solana = isReadinessSource(solanaSource) ? solanaChecker(solanaSource, timeoutMs) : undefined
  const queueSource = options.queue?.source ?? core?.asyncSettlement
  const queue = queueSource ? queueChecker(queueSource, timeoutMs, options.queue?.maxDepth) : undefined

  const run = async (): Promise<HealthReport> => {
    const [storeHealth, gasHealth, facilitatorHealth, solanaHealth, queueHealth] = await Promise.all([
      store ? checkStore(store, timeoutMs) : undefined,
      gas?.(),
      facilitators.length > 0 ? checkFacilitators(facilitators, timeoutMs) : undefined,
      solana?.(),
      queue?.(),
    ])
    const checks: HealthReport['checks'] = {
      ...(storeHealth ? { store: storeHealth } : {}),
      ...(gasHealth ? { gas: gasHealth } : {}),
      ...(facilitatorHealth ? { facilitators: facilitatorHealth } : {}),
      ...(solanaHealth ? { solana: solanaHealth } : {}),
      ...(queueHealth ? { queue: queueHealth } : {}),
      pending: tracker.report(),
    }
    return { status: worst(Object.values(checks).map((c) => c.status)), checks }
  }

  let last: { at: number; report: HealthReport } | undefined
  let running: Promise<HealthReport> | undefined
  const check = (): Promise<HealthReport> => {
    if (last && clock() - last.at < cacheMs) return Promise.resolve(last.report)
    // Concurrent calls share the check in flight, whatever cacheMs says.
    running ??= run()
      // Every part is bounded and never throws; this only guards against a bug turning into a 500.
      .catch((): HealthReport => ({ status: 'down', checks: { pending: tracker.report() } }))
      .then((report) => {
        last = { at: clock(), report }
        running = undefined
        return report
      })
    return running
  }

  return {
    check,
    async answer(): Promise<HttpAnswer> {
      const report = await check()
      return {
        status: report.status === 'down' ? 503 : 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: report,
      }
    },
    hooks: tracker.hooks,
  }
}

function optionProblems(options: HealthOptions): string[] {
  const problems: string[] = []
  const positive = (name: string, value: unknown, zeroOk = false) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < (zeroOk ? 0 : 1))) problems.push(`tollgateHealth: ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer`)
  }
  positive('timeoutMs', options.timeoutMs)
  positive('cacheMs', options.cacheMs, true)
  positive('pending.maxCount', options.pending?.maxCount, true)
  positive('pending.maxAgeMs', options.pending?.maxAgeMs, true)
  positive('queue.maxDepth', options.queue?.maxDepth, true)
  const source: unknown = options.queue?.source
  if (source !== undefined && (typeof source !== 'object' || source === null || typeof (source as QueueDepthSource).depth !== 'function')) {
    problems.push('tollgateHealth: queue.source must have depth(), e.g. gate.core.asyncSettlement')
  }
  const min = options.gas?.minBalance
  if (min !== undefined && typeof min !== 'bigint' && (typeof min !== 'object' || min === null || !Object.values(min).every((v) => typeof v === 'bigint'))) {
    problems.push('tollgateHealth: gas.minBalance must be a bigint (wei) or an object of bigints per network name')
  }
  if (options.core === undefined && options.store === undefined && options.settler === undefined && options.facilitators === undefined && source === undefined) {
    problems.push('tollgateHealth needs `core`, or at least one of `store`, `settler`, `facilitators` and `queue.source`')
  }
  return problems
}
