import type { Logger } from '../logger.js'
import { ALLOW, runAuthorize, type AuthorizeDecision } from './authorize-verdict.js'
import { HOOK_NAMES } from './hook-types.js'
import type {
  AuthorizeEvent,
  ChallengeEvent,
  PrepaidExhaustedEvent,
  PrepaidIssuedEvent,
  PrepaidRevokedEvent,
  PrepaidSpentEvent,
  RejectedEvent,
  SettledEvent,
  SettlementFailedEvent,
  TollgateHooks,
  VerifiedEvent,
} from './hook-types.js'

export type {
  AuthorizeEvent,
  AuthorizeVerdict,
  ChallengeEvent,
  PrepaidExhaustedEvent,
  PrepaidIssuedEvent,
  PrepaidRevokedEvent,
  PrepaidSpentEvent,
  PresentedPayment,
  RejectedEvent,
  RouteEvent,
  SettledEvent,
  SettlementFailedEvent,
  SettlementFields,
  TollgateHooks,
  VerifiedEvent,
} from './hook-types.js'
export { hooksProblems } from './hooks-problems.js'
export { presentedPayment } from './presented-payment.js'
export type { AuthorizeDecision } from './authorize-verdict.js'

/** An event as the gate reports it: the sink adds the route label. */
export type Unrouted<T> = Omit<T, 'route'>

export type PrepaidEvent =
  | ({ kind: 'issued' } & Unrouted<PrepaidIssuedEvent>)
  | ({ kind: 'spent' } & Unrouted<PrepaidSpentEvent>)
  | ({ kind: 'exhausted' } & Unrouted<PrepaidExhaustedEvent>)
  | ({ kind: 'revoked' } & Unrouted<PrepaidRevokedEvent>)

/**
 * What the gate tells about a payment, one sink per route. Every call but `authorize` returns at
 * once and never throws: the hooks run in a later microtask, and their errors go to the logger.
 */
export interface GateEvents {
  /** False when no `authorize` hook is set: the gate may skip building the event. */
  readonly authorizes: boolean
  challenge(event: Unrouted<ChallengeEvent>): void
  rejected(event: Unrouted<RejectedEvent>): void
  verified(event: Unrouted<VerifiedEvent>): void
  settled(event: Unrouted<SettledEvent>): void
  settlementFailed(event: Unrouted<SettlementFailedEvent>): void
  prepaid(event: PrepaidEvent): void
  /** The configuration's `authorize`, then the route's; the first denial wins. Never rejects. */
  authorize(event: Unrouted<AuthorizeEvent>): Promise<AuthorizeDecision>
}

const allowed = Promise.resolve(ALLOW)
const nothing = () => {}

/** The sink of a route without hooks: costs nothing on the hot path. */
export const noEvents: GateEvents = Object.freeze({
  authorizes: false,
  challenge: nothing,
  rejected: nothing,
  verified: nothing,
  settled: nothing,
  settlementFailed: nothing,
  prepaid: nothing,
  authorize: () => allowed,
})

const PREPAID_HOOK = {
  issued: 'onPrepaidIssued',
  spent: 'onPrepaidSpent',
  exhausted: 'onPrepaidExhausted',
  revoked: 'onPrepaidRevoked',
} as const

type ObservingHook = Exclude<keyof TollgateHooks, 'authorize' | 'authorizeTimeoutMs'>

export interface GateEventsInput {
  /** The configuration's hooks (every route). */
  hooks?: TollgateHooks | undefined
  /** This route's own hooks. */
  routeHooks?: TollgateHooks | undefined
  /** The route label events carry. */
  route: string
  logger: Logger
}

export function createGateEvents(input: GateEventsInput): GateEvents {
  const list = [input.hooks, input.routeHooks].filter((h): h is TollgateHooks => typeof h === 'object' && h !== null)
  if (list.length === 0) return noEvents
  const { route, logger } = input
  const deciders = list.filter((h) => typeof h.authorize === 'function')

  // Who listens to what is fixed at setup: a challenge (the hot path) costs one lookup when nobody does.
  const listeners = new Map<ObservingHook, TollgateHooks[]>()
  for (const name of HOOK_NAMES) {
    if (name !== 'authorize') listeners.set(name, list.filter((h) => typeof h[name] === 'function'))
  }
  const observe = (name: ObservingHook, fields: object) => {
    const callers = listeners.get(name)
    if (!callers || callers.length === 0) return
    // Frozen: one event object goes to the configuration's hook and the route's, so neither may change it for the other.
    // Object.assign, not a spread: V8 freezes the spread copy through a slow path (about 1 µs on every 402 with metrics).
    const event = Object.freeze(Object.assign({}, fields, { route }))
    for (const hooks of callers) later(hooks, name, event, logger)
  }

  return {
    authorizes: deciders.length > 0,
    challenge: (e) => observe('onChallenge', e),
    rejected: (e) => observe('onRejected', e),
    verified: (e) => observe('onVerified', { ...e, payment: Object.freeze({ ...e.payment }) }),
    settled: (e) => observe('onSettled', e),
    settlementFailed: (e) => observe('onSettlementFailed', e),
    prepaid: ({ kind, ...fields }) => observe(PREPAID_HOOK[kind], fields),
    authorize: async (e) => {
      const event = Object.freeze({ ...e, payment: Object.freeze({ ...e.payment }), route })
      for (const hooks of deciders) {
        const decision = await runAuthorize(hooks, event, logger)
        if (!decision.allow) return decision
      }
      return ALLOW
    },
  }
}

/**
 * Hook calls waiting for the next microtask, run in order there. One queue and one flush rather
 * than a closure per call: a closure per event was most of the cost of metrics on every 402.
 */
const waiting: Array<[TollgateHooks, ObservingHook, object, Logger]> = []

function later(hooks: TollgateHooks, name: ObservingHook, event: object, logger: Logger): void {
  if (waiting.push([hooks, name, event, logger]) === 1) queueMicrotask(flush)
}

function flush(): void {
  // Taken first: a call queued while these run waits for a microtask of its own.
  for (const [hooks, name, event, logger] of waiting.splice(0)) callQuietly(hooks, name, event, logger)
}

function callQuietly(hooks: TollgateHooks, name: ObservingHook, event: object, logger: Logger): void {
  try {
    const result: unknown = (hooks[name] as (event: object) => unknown).call(hooks, event)
    // The closure only for a hook that returned a promise: a synchronous hook (metrics) builds none.
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, (error: unknown) => report(name, event, logger, error))
  } catch (error) {
    report(name, event, logger, error)
  }
}

function report(name: ObservingHook, event: object, logger: Logger, error: unknown): void {
  // The logger is the seller's too: if it throws, there is nowhere left to report to.
  try {
    logger.error?.(`tollgate: ${name} hook failed (the payment is not affected)`, { route: (event as { route?: string }).route, error: String(error) })
  } catch {}
}
