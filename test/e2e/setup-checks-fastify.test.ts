import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/fastify.js'
import { ConfigurationError } from '../../src/index.js'
import { probeConfig } from './body-read.fixture.js'

const paid = { amount: '0.01', network: 'base-sepolia' } as const

async function failureOf(start: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(start).then(() => undefined, (error: unknown) => error)
}

describe('Fastify: a paywalled route without gate.plugin fails at startup, not at its first request', () => {
  it('app.listen() rejects with a ConfigurationError naming gate.plugin and the scope; no port is opened', async () => {
    const gate = tollgate(probeConfig())
    const app = Fastify()
    await app.register(
      async (api) => {
        api.get('/weather', { preHandler: gate.paywall(paid) }, async () => 'W')
      },
      { prefix: '/api' },
    )
    const failure = await failureOf(app.listen({ port: 0, host: '127.0.0.1' }))
    expect(failure).toBeInstanceOf(ConfigurationError)
    expect((failure as Error).message).toContain('gate.plugin')
    expect((failure as Error).message).toContain("'/api'")
    expect((failure as Error).message).toContain('0.01 on base-sepolia')
    expect(app.server.listening).toBe(false)
    await app.close().catch(() => undefined)
  })

  it('a plugin of another gate does not cover this gate’s routes', async () => {
    const gate = tollgate(probeConfig())
    const other = tollgate(probeConfig())
    const app = Fastify()
    await app.register(other.plugin)
    app.get('/weather', { preHandler: gate.paywall(paid) }, async () => 'W')
    expect(await failureOf(app.ready())).toBeInstanceOf(ConfigurationError)
    await app.close().catch(() => undefined)
  })

  it('the plugin in a parent scope covers routes in child scopes, and the server starts and answers 402', async () => {
    const gate = tollgate(probeConfig())
    const app = Fastify()
    await app.register(gate.plugin)
    await app.register(
      async (api) => {
        api.get('/weather', { preHandler: gate.paywall(paid) }, async () => 'W')
      },
      { prefix: '/api' },
    )
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      expect((await fetch(`${url}/api/weather`)).status).toBe(402)
    } finally {
      await app.close()
    }
  })
})
