import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localSettler, tollgate } from '../../adapters/next.js'
import { readExampleConfig } from '../../examples/express/config.js'
import { serveOnNode, type NodeServer } from '../../examples/hono/node-serve.js'
import * as weather from '../../examples/next-app/app/weather/route.js'
import { ConfigurationError, type Logger } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { exampleEnv } from '../support/example-env.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

let chain: TestChain
const saved = { ...process.env }

beforeAll(async () => {
  chain = await startTestChain()
  // As `next start` runs it: production, where the in-memory replay store needs singleInstance.
  Object.assign(process.env, exampleEnv(chain), { NODE_ENV: 'production' })
}, 120_000)

afterAll(async () => {
  process.env = saved
  await chain?.stop()
})

/** Serves a route handler over real HTTP; what it throws is kept (Next logs it) and answered 500 without a body. */
async function serveRoute(handler: (request: Request) => Promise<Response>) {
  const thrown: unknown[] = []
  const server: NodeServer = await serveOnNode(
    (request) =>
      handler(request).catch((error: unknown) => {
        thrown.push(error)
        throw error
      }),
    '127.0.0.1',
    0,
  )
  return { server, thrown }
}

describe('Next: the lazy configuration is checked at first use, and the example works under next start', () => {
  it('the example app (as copied, NODE_ENV=production) charges and serves its paid route', async () => {
    const { server, thrown } = await serveRoute((request) => weather.GET(request))
    try {
      const buyer = chain.accounts.buyers[0]!
      const before = await chain.balanceOf(buyer.address)
      const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${server.url}/weather`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ paidBy: buyer.address })
      expect(await chain.balanceOf(buyer.address)).toBeLessThan(before)
      expect(thrown).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('a missing variable: the buyer gets a bare 500, the seller a ConfigurationError naming it', async () => {
    const { PAY_TO: _missing, ...env } = exampleEnv(chain)
    const { withPayment } = tollgate(() => {
      const config = readExampleConfig(env)
      return { payTo: config.payTo, settler: localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl }), singleInstance: true }
    })
    const { server, thrown } = await serveRoute(withPayment(async () => new Response('never'), { amount: '0.01', network: 'base-sepolia' }))
    try {
      const res = await fetch(`${server.url}/data`)
      expect(res.status).toBe(500)
      const body = await res.text()
      expect(body).not.toContain(chain.keys.settler.slice(2))
      expect(body).not.toContain(chain.rpcUrl)
      expect(thrown[0]).toBeInstanceOf(ConfigurationError)
      expect((thrown[0] as Error).message).toContain('PAY_TO')
      expect((thrown[0] as Error).message).toContain('configuration function')
    } finally {
      await server.close()
    }
  })

  it('an invalid configuration returned by the function: every problem named, sent to its logger too, and read again at the next request', async () => {
    const logged: Array<{ message: string; fields?: Record<string, unknown> }> = []
    const logger: Logger = { error: (message, fields) => void logged.push({ message, ...(fields ? { fields } : {}) }) }
    let reads = 0
    const { withPayment } = tollgate(() => {
      reads++
      // No store and no singleInstance, under production: refused, as is the payee.
      return { payTo: 'not an address' as `0x${string}`, settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl }), logger }
    })
    const { server, thrown } = await serveRoute(withPayment(async () => new Response('never'), { amount: '0.01', network: 'base-sepolia' }))
    try {
      expect((await fetch(`${server.url}/data`)).status).toBe(500)
      expect((await fetch(`${server.url}/data`)).status).toBe(500)
      expect(reads).toBe(2)
      const problems = (thrown[0] as ConfigurationError).problems.join('\n')
      expect(problems).toMatch(/payTo/)
      expect(problems).toMatch(/singleInstance|store/)
      expect(logged[0]).toMatchObject({ message: 'tollgate configuration is invalid' })
      expect(String(logged[0]?.fields?.problems)).toMatch(/payTo/)
    } finally {
      await server.close()
    }
  })
})
