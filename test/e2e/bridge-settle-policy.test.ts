/**
 * Issue 10, point 0, the adapters' half. A route whose settlement policy is not one tollgate knows
 * (`settle: 'after'`, from JSON or an environment variable) is refused at setup by every adapter,
 * and by the Web adapters at the first request when the configuration is a function. And should
 * such a policy ever reach a bridge, no value skips both holding and settling: whatever the policy,
 * the answer goes out only with a settlement, and only 'before-handler' settles before the handler.
 */
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import {
  ConfigurationError,
  DEFAULT_HOLD,
  type PaymentGate,
  type PaymentPass,
  type PaywallOptions,
  type Tollgate,
  type TollgateConfig,
  type VerifiedPayment,
} from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { bridgeConfig, NODE_FRAMEWORKS, startBridgeSeller, type BridgeSeller } from './bridge-sellers.js'

let chain: TestChain

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
}, 120_000)

afterAll(async () => {
  await chain?.stop()
})

const config = (): TollgateConfig => bridgeConfig(chain)

/** A policy that reached the code through `any`: what JSON or an environment variable can hold. */
const misspelt = { amount: '0.10', network: 'base-sepolia', settle: 'after' } as unknown as PaywallOptions
const handler = async () => new Response('PAID CONTENT')

describe('a route with an unknown settlement policy is refused at setup', () => {
  const adapters: [string, () => unknown][] = [
    ['express', () => expressTollgate(config()).paywall(misspelt)],
    ['koa', () => koaTollgate(config()).paywall(misspelt)],
    ['fastify', () => fastifyTollgate(config()).paywall(misspelt)],
    ['next', () => nextTollgate(config()).withPayment(handler, misspelt)],
    ['fetch', () => fetchTollgate(config()).paywall(misspelt)],
  ]
  it.each(adapters)('%s: paywall() throws a ConfigurationError naming the policy', (_name, build) => {
    expect(build).toThrow(ConfigurationError)
    expect(build).toThrow(/settle/)
  })

  const defaults: [string, (c: TollgateConfig) => unknown][] = [
    ['express', expressTollgate],
    ['koa', koaTollgate],
    ['fastify', fastifyTollgate],
    ['next', nextTollgate],
    ['fetch', fetchTollgate],
  ]
  it.each(defaults)('%s: tollgate() throws when the unknown policy is a default for every route', (_name, build) => {
    expect(() => build({ ...config(), defaults: { settle: 'after' as never } })).toThrow(ConfigurationError)
  })

  it.each([
    ['next', () => nextTollgate(() => config()).withPayment(countRuns, misspelt)],
    ['fetch', () => ((paywall) => (request: Request) => paywall(request, countRuns))(fetchTollgate(() => config()).paywall(misspelt))],
  ] as const)('%s with a configuration function: the first request rejects with the ConfigurationError, the handler never runs', async (_name, build) => {
    runs = 0
    const serve = build() as (request: Request) => Promise<Response>
    // The framework answers its 500 and logs the error; its text is not sent to the buyer.
    await expect(serve(new Request('http://127.0.0.1/lazy'))).rejects.toThrow(ConfigurationError)
    expect(runs).toBe(0)
  })
})

let runs = 0
async function countRuns(): Promise<Response> {
  runs++
  return new Response('PAID CONTENT')
}

/**
 * Should a pass ever carry a policy tollgate does not know: a gate standing in for the core's (the
 * core refuses such a policy at setup, so only a stand-in can produce one), whose settlement
 * succeeds at once and records when it happened relative to the handler.
 */
interface Run {
  settled: number
  abandoned: number
  handlerRan: boolean
  settledBeforeHandler: boolean
}

function standIn(policy: () => unknown, record: (run: Run) => void): PaymentGate {
  const payment: VerifiedPayment = { x402Version: 2, scheme: 'exact', network: 'eip155:84532', networkName: 'base-sepolia', asset: '0x', amount: '1', payTo: '0x', payer: '0x' }
  return {
    policy: 'after-handler',
    methods: [],
    identify: () => null,
    async evaluate() {
      const run: Run = { settled: 0, abandoned: 0, handlerRan: false, settledBeforeHandler: false }
      record(run)
      const pass: PaymentPass = {
        type: 'pass',
        policy: policy() as PaymentPass['policy'],
        hold: DEFAULT_HOLD,
        payment,
        settle: async () => {
          run.settled++
          return { ok: true, headers: { 'payment-response': 'settled' } }
        },
        abandon: async () => {
          run.abandoned++
        },
      }
      return pass
    },
  } as unknown as PaymentGate
}

const anyPolicy = fc.oneof(
  fc.constantFrom<unknown>('after-handler', 'before-handler', 'after', 'before', 'AFTER-HANDLER', ' before-handler', 'before-handler\n', '', 'none'),
  fc.string(),
  fc.constantFrom<unknown>(undefined, null, 0, 1, true, false, {}, []),
)

/** The property, over a function that requests the paid route once and returns the answer. */
async function settlesWhateverThePolicy(request: () => Promise<Response>, state: { policy: unknown; run?: Run }) {
  await fc.assert(
    fc.asyncProperty(anyPolicy, async (policy) => {
      state.policy = policy
      const res = await request()
      const body = await res.text()
      const run = state.run!
      expect(res.status).toBe(200)
      expect(body).toBe('PAID CONTENT')
      expect(res.headers.get('payment-response')).toBe('settled')
      expect(run.handlerRan).toBe(true)
      expect(run.settled).toBe(1)
      expect(run.abandoned).toBe(0)
      expect(run.settledBeforeHandler).toBe(policy === 'before-handler')
    }),
    { numRuns: 60 },
  )
}

describe('no policy value skips both holding and settling', () => {
  const state: { policy: unknown; run?: Run } = { policy: undefined }
  const gate = standIn(
    () => state.policy,
    (run) => (state.run = run),
  )
  const markHandler = () => {
    state.run!.handlerRan = true
    state.run!.settledBeforeHandler = state.run!.settled > 0
  }
  const useStandIn = (core: Tollgate) => {
    core.route = () => gate
  }

  describe.each(NODE_FRAMEWORKS)('%s', (framework) => {
    let seller: BridgeSeller
    beforeAll(async () => {
      seller = await startBridgeSeller(
        framework,
        config(),
        [
          {
            path: '/raw',
            paywall: { amount: '0.10', network: 'base-sepolia' },
            raw: (_req, res) => {
              markHandler()
              res.writeHead(200, { 'content-type': 'text/plain' }).end('PAID CONTENT')
            },
          },
          {
            path: '/body',
            paywall: { amount: '0.10', network: 'base-sepolia' },
            body: () => {
              markHandler()
              return Readable.from([Buffer.from('PAID '), Buffer.from('CONTENT')])
            },
          },
        ],
        useStandIn,
      )
    }, 120_000)
    afterAll(async () => {
      await seller?.close()
    })

    it('on the raw response', () => settlesWhateverThePolicy(() => fetch(`${seller.url}/raw`), state))
    it(`with ${framework}'s own stream body`, () => settlesWhateverThePolicy(() => fetch(`${seller.url}/body`), state))
  })

  it.each([
    ['fetch', () => {
      const t = fetchTollgate(config())
      useStandIn(t.core)
      const paywall = t.paywall({ amount: '0.10', network: 'base-sepolia' })
      return (request: Request) => paywall(request, async () => (markHandler(), new Response('PAID CONTENT')))
    }],
    ['next', () => {
      const t = nextTollgate(config())
      useStandIn(t.core)
      return t.withPayment(async () => (markHandler(), new Response('PAID CONTENT')), { amount: '0.10', network: 'base-sepolia' })
    }],
  ] as const)('%s', async (_name, build) => {
    const serve = build() as (request: Request) => Promise<Response>
    await settlesWhateverThePolicy(() => serve(new Request('http://127.0.0.1/paid')), state)
  })
})
