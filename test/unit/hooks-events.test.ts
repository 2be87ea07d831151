import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createGateEvents, hooksProblems, noEvents, presentedPayment, type TollgateHooks } from '../../src/hooks/gate-events.js'
import { normalizeVerdict } from '../../src/hooks/authorize-verdict.js'
import type { Logger } from '../../src/logger.js'
import type { RequestLike } from '../../src/http/request-like.js'
import type { VerifiedPayment } from '../../src/methods/payment-method.js'

const request: RequestLike = { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: () => null } }
const payment: VerifiedPayment = {
  x402Version: 2,
  scheme: 'exact',
  network: 'eip155:84532',
  networkName: 'base-sepolia',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  amount: '10000',
  payTo: '0x00000000000000000000000000000000000000aa',
  payer: '0x00000000000000000000000000000000000000bb',
}
const presented = { x402Version: 2 as const, scheme: 'exact', network: 'eip155:84532', asset: payment.asset, amount: '10000', payTo: payment.payTo, payer: payment.payer }

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = []
  const logger: Logger = {
    warn: (message, fields) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  }
  return { logger, lines }
}

/** Lets queued microtasks and already-settled promises run. */
const drain = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe('createGateEvents: observing hooks', () => {
  it('is the free noEvents sink when neither the configuration nor the route has hooks', () => {
    expect(createGateEvents({ route: '/a', logger: {} })).toBe(noEvents)
    expect(createGateEvents({ hooks: undefined, routeHooks: undefined, route: '/a', logger: {} })).toBe(noEvents)
  })

  it('calls the configuration hook then the route hook, after the caller returned, with the route label added', async () => {
    const seen: string[] = []
    const events = createGateEvents({
      hooks: { onSettled: (e) => void seen.push(`config:${e.route}:${e.transaction}`) },
      routeHooks: { onSettled: (e) => void seen.push(`route:${e.route}:${e.amount}`) },
      route: 'GET /data',
      logger: {},
    })
    events.settled({ ...presented, networkName: 'base-sepolia', payer: payment.payer, transaction: '0xabc', latencyMs: 12, resumed: false })
    expect(seen).toEqual([])
    await drain()
    expect(seen).toEqual(['config:GET /data:0xabc', 'route:GET /data:10000'])
  })

  it('a hook that throws, rejects or never settles changes nothing for the caller; failures go to the logger', async () => {
    const { logger, lines } = recordingLogger()
    const reached: string[] = []
    const events = createGateEvents({
      hooks: {
        onChallenge: () => {
          throw new Error('sync boom')
        },
        onRejected: async () => {
          throw new Error('async boom')
        },
        onVerified: () => new Promise(() => {}),
      },
      routeHooks: { onChallenge: () => void reached.push('route hook still ran') },
      route: '/r',
      logger,
    })
    expect(events.challenge({ request })).toBeUndefined()
    expect(events.rejected({ request, status: 409, reason: 'payment_already_used' })).toBeUndefined()
    expect(events.verified({ request, payment, latencyMs: 1 })).toBeUndefined()
    await drain()
    expect(reached).toEqual(['route hook still ran'])
    expect(lines.map((l) => [l.level, l.message, l.fields?.error])).toEqual([
      ['error', 'tollgate: onChallenge hook failed (the payment is not affected)', 'Error: sync boom'],
      ['error', 'tollgate: onRejected hook failed (the payment is not affected)', 'Error: async boom'],
    ])
  })

  it('survives a logger that throws too', async () => {
    let logged = 0
    const events = createGateEvents({
      hooks: { onChallenge: () => Promise.reject(new Error('hook')), onRejected: () => { throw new Error('hook') } },
      route: '/r',
      logger: {
        error: () => {
          logged++
          throw new Error('logger')
        },
      },
    })
    events.challenge({ request })
    events.rejected({ request, status: 400, reason: 'invalid_payload' })
    // The logger was asked both times; its throws went nowhere (an uncaught one fails the vitest run).
    await drain()
    expect(logged).toBe(2)
  })

  it('gives each hook a frozen event and a copy of the payment, so no hook changes what another sees or the handler holds', async () => {
    const { logger, lines } = recordingLogger()
    let seenByRoute: unknown
    const events = createGateEvents({
      hooks: {
        onVerified: (e) => {
          ;(e.payment as { amount: string }).amount = '1'
        },
      },
      routeHooks: { onVerified: (e) => void (seenByRoute = e.payment.amount) },
      route: '/r',
      logger,
    })
    const live = { ...payment }
    events.verified({ request, payment: live, latencyMs: 1 })
    await drain()
    expect(seenByRoute).toBe('10000')
    expect(live.amount).toBe('10000')
    expect(lines[0]?.message).toBe('tollgate: onVerified hook failed (the payment is not affected)')
  })

  it('routes each prepaid kind to its own hook', async () => {
    const seen: unknown[] = []
    const hooks: TollgateHooks = {
      onPrepaidIssued: (e) => void seen.push(['issued', e]),
      onPrepaidSpent: (e) => void seen.push(['spent', e]),
      onPrepaidExhausted: (e) => void seen.push(['exhausted', e]),
      onPrepaidRevoked: (e) => void seen.push(['revoked', e]),
    }
    const events = createGateEvents({ hooks, route: '/prepaid', logger: {} })
    events.prepaid({ kind: 'issued', credentialId: 'c1', package: 'p', buyer: '0xb', calls: 3, expiresAt: '2030-01-01T00:00:00.000Z' })
    events.prepaid({ kind: 'spent', credentialId: 'c1', package: 'p', cost: 1, remaining: 0 })
    events.prepaid({ kind: 'exhausted', credentialId: 'c1', package: 'p' })
    events.prepaid({ kind: 'revoked', credentialId: 'c1' })
    await drain()
    expect(seen).toEqual([
      ['issued', { credentialId: 'c1', package: 'p', buyer: '0xb', calls: 3, expiresAt: '2030-01-01T00:00:00.000Z', route: '/prepaid' }],
      ['spent', { credentialId: 'c1', package: 'p', cost: 1, remaining: 0, route: '/prepaid' }],
      ['exhausted', { credentialId: 'c1', package: 'p', route: '/prepaid' }],
      ['revoked', { credentialId: 'c1', route: '/prepaid' }],
    ])
  })
})

describe('createGateEvents: authorize', () => {
  const ask = (hooks: TollgateHooks | undefined, routeHooks?: TollgateHooks, logger: Logger = {}) =>
    createGateEvents({ hooks, routeHooks, route: 'GET /data', logger }).authorize({ request, payment: presented })

  it('allows when no hook decides, and says so', async () => {
    const events = createGateEvents({ hooks: { onSettled: () => {} }, route: '/r', logger: {} })
    expect(events.authorizes).toBe(false)
    expect(await events.authorize({ request, payment: presented })).toEqual({ allow: true })
    expect(noEvents.authorizes).toBe(false)
    expect(await noEvents.authorize({ request, payment: presented })).toEqual({ allow: true })
  })

  it('passes the request, the presented payment and the route label', async () => {
    let event: unknown
    await ask({ authorize: (e) => ((event = e), true) })
    expect(event).toEqual({ request, payment: presented, route: 'GET /data' })
  })

  it('runs the configuration hook first; its denial wins and the route hook is not asked', async () => {
    const order: string[] = []
    const decision = await ask(
      { authorize: () => (order.push('config'), { allow: false, status: 451, reason: 'region_blocked', message: 'not sold here' }) },
      { authorize: () => (order.push('route'), true) },
    )
    expect(decision).toEqual({ allow: false, status: 451, reason: 'region_blocked', message: 'not sold here' })
    expect(order).toEqual(['config'])
  })

  it('asks the route hook after the configuration allowed; the route can still deny', async () => {
    const decision = await ask({ authorize: async () => ({ allow: true }) }, { authorize: async () => false })
    expect(decision).toEqual({ allow: false, status: 403, reason: 'payment_denied', message: 'The seller declined this payment; nothing was charged.' })
  })

  it('fails closed with 503 authorize_failed on a throw, a rejection, a missing verdict or a timeout, and logs why', async () => {
    const { logger, lines } = recordingLogger()
    const failed = { allow: false, status: 503, reason: 'authorize_failed' }
    expect(
      await ask(
        {
          authorize: () => {
            throw new Error('risk engine down')
          },
        },
        undefined,
        logger,
      ),
    ).toMatchObject(failed)
    expect(await ask({ authorize: () => Promise.reject(new Error('nope')) }, undefined, logger)).toMatchObject(failed)
    expect(await ask({ authorize: (() => undefined) as unknown as TollgateHooks['authorize'] }, undefined, logger)).toMatchObject(failed)
    expect(await ask({ authorize: () => new Promise(() => {}), authorizeTimeoutMs: 20 }, undefined, logger)).toMatchObject(failed)
    expect(lines.map((l) => l.message)).toEqual([
      'tollgate: authorize hook failed, refusing payment',
      'tollgate: authorize hook failed, refusing payment',
      'tollgate: authorize hook returned no verdict, refusing payment',
      'tollgate: authorize hook timed out, refusing payment',
    ])
  })

  it('keeps a class-style hooks object bound to itself', async () => {
    class Limits implements TollgateHooks {
      private readonly blocked = new Set([presented.payer.toLowerCase()])
      authorize(e: { payment: { payer?: string } }) {
        return !this.blocked.has(e.payment.payer?.toLowerCase() ?? '')
      }
    }
    expect(await ask(new Limits())).toMatchObject({ allow: false, status: 403 })
  })

  it('turns unusable denial fields into the defaults, still denying', async () => {
    const { logger, lines } = recordingLogger()
    expect(normalizeVerdict({ allow: false, status: 200, reason: 'Not A Code' }, '/r', logger)).toMatchObject({ allow: false, status: 403, reason: 'payment_denied' })
    expect(normalizeVerdict({ allow: false, status: 503 }, '/r', logger)).toMatchObject({ status: 403 })
    expect(normalizeVerdict({ allow: false, message: 'x'.repeat(1000) }, '/r', logger)).toMatchObject({ message: 'x'.repeat(300) })
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2)
  })

  it('property: any value a hook returns is either exactly an allow or a 4xx/503 denial with a stable code', () => {
    const code = /^[a-z][a-z0-9_]{0,63}$/
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ allow: fc.oneof(fc.boolean(), fc.anything()), status: fc.oneof(fc.integer(), fc.anything()), reason: fc.oneof(fc.string(), fc.anything()), message: fc.anything() }, { requiredKeys: ['allow'] }),
        ),
        (value) => {
          const decision = normalizeVerdict(value, '/r', {})
          const allowed = value === true || (typeof value === 'object' && value !== null && (value as { allow?: unknown }).allow === true)
          if (allowed) return decision.allow === true
          if (decision.allow) return false
          return ((decision.status >= 400 && decision.status <= 499) || decision.status === 503) && code.test(decision.reason) && decision.message.length > 0 && decision.message.length <= 300
        },
      ),
    )
  })
})

describe('hooksProblems', () => {
  it('accepts a well-formed hooks object and no hooks at all', () => {
    expect(hooksProblems(undefined, 'hooks')).toEqual([])
    expect(hooksProblems({ onSettled: () => {}, authorize: () => true, authorizeTimeoutMs: 250 }, 'hooks')).toEqual([])
  })

  it('names a misspelt hook with the one meant, a hook that is not a function, and a bad timeout', () => {
    expect(hooksProblems({ onSetled: () => {} }, 'hooks')[0]).toMatch(/^hooks: unknown option "onSetled" \(did you mean "onSettled"\?\)/)
    expect(hooksProblems({ onChallenge: 'log it' }, 'routes[0].hooks')).toEqual(['routes[0].hooks.onChallenge must be a function, got a string'])
    expect(hooksProblems({ authorize: () => true, authorizeTimeoutMs: 0 }, 'hooks')).toEqual(['hooks.authorizeTimeoutMs must be a whole number of milliseconds from 1 to 600000'])
    expect(hooksProblems({ authorizeTimeoutMs: 100 }, 'hooks')).toEqual(['hooks.authorizeTimeoutMs is set but there is no authorize hook'])
    expect(hooksProblems([() => {}], 'hooks')).toEqual(['hooks must be an object of hook functions, got an array'])
  })
})

describe('presentedPayment', () => {
  const requirement = { v2: { scheme: 'exact', network: 'eip155:84532', asset: payment.asset, amount: '10000', payTo: payment.payTo, maxTimeoutSeconds: 300 } }

  it('takes the terms from the matched requirement and the payer the authorization names', () => {
    const envelope = { x402Version: 1 as const, scheme: 'exact', network: 'base-sepolia', payload: { signature: '0x', authorization: { from: payment.payer } } }
    expect(presentedPayment(envelope, { requirement })).toEqual({ ...presented, x402Version: 1 })
  })

  it('leaves the payer out when the payload names none', () => {
    const envelope = { x402Version: 2 as const, scheme: 'exact', network: 'eip155:84532', payload: 'not an object' }
    expect(presentedPayment(envelope, { requirement })).not.toHaveProperty('payer')
  })
})
