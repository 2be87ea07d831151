/**
 * Every adapter refuses a settlement policy it would not act on when the route is set up, before
 * any buyer arrives: the `as never` casts stand for configuration read from JSON or the environment.
 */
import { describe, expect, it } from 'vitest'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import { ConfigurationError, localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'

const config = (): TollgateConfig => ({
  payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  settler: localSettler({ privateKey: `0x${'77'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }),
  store: memoryStore(),
})
const bad = { amount: '0.10', network: 'base-sepolia', settle: 'after' as never }
const good = { amount: '0.10', network: 'base-sepolia', settle: 'before-handler' } as const

const adapters: Record<string, (options: typeof bad | typeof good) => unknown> = {
  express: (options) => expressTollgate(config()).paywall(options),
  koa: (options) => koaTollgate(config()).paywall(options),
  fastify: (options) => fastifyTollgate(config()).paywall(options),
  fetch: (options) => fetchTollgate(config()).paywall(options),
  next: (options) => nextTollgate(config()).withPayment(() => new Response('paid'), options),
}

describe.each(Object.entries(adapters))('%s adapter', (_name, paywall) => {
  it("refuses settle: 'after' at setup with a ConfigurationError naming the allowed values", () => {
    let caught: unknown
    try {
      paywall(bad)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigurationError)
    expect((caught as ConfigurationError).problems).toEqual([expect.stringMatching(/settle "after" is not a settlement policy; use 'after-handler' .* or 'before-handler'/)])
  })

  it('builds a route with a real policy', () => {
    expect(typeof paywall(good)).toBe('function')
  })
})
