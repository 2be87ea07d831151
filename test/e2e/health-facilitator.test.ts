/**
 * Health of a tollgate that settles through facilitators: `tollgateHealth({ core: gate })` finds the
 * seller's facilitators (and no settler of its own, so no gas part) and asks each `/supported`. Two
 * facilitator endpoints in front of tollgate's real facilitator server are taken away and brought
 * back on the same ports: one away is 'degraded' (200: verification fails over), both away is 503.
 * Served by the Express seller and by the fetch adapter's serveAnswer on node:http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveAnswer } from '../../adapters/express.js'
import { serveAnswer as webServeAnswer } from '../../adapters/fetch.js'
import { tollgateHealth, type HealthReport, type TollgateHealth } from '../../src/health/index.js'
import { httpFacilitator } from '../../src/index.js'
import type { TestServer } from '../support/http.js'
import { CALLER_TOKEN } from '../facilitator/support/tollgate-facilitator.js'
import { serveWeb } from '../facilitator/support/serve-web.js'
import { useRealFacilitator } from '../facilitator/support/fault-seller.js'
import { startStubFacilitator, type StubFacilitator } from '../facilitator/support/stub-facilitator.js'
import { until } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const fixture = useRealFacilitator()

describe('GET /health of a seller settling through two facilitators', () => {
  const endpoints: StubFacilitator[] = []
  const ports: number[] = []
  let seller: Seller
  let web: TestServer
  let health: TollgateHealth

  /** A facilitator endpoint passing every call to the real facilitator; on `port` when given (a restart). */
  const endpoint = (port = 0) => startStubFacilitator({ supported: fixture.forward('supported'), verify: fixture.forward('verify'), settle: fixture.forward('settle') }, port)

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const started = await endpoint()
      endpoints.push(started)
      ports.push(started.port)
    }
    // A `/supported` answer reused for 1 ms only, so the health sees an outage at once.
    const facilitators = ports.map((port) => httpFacilitator({ url: `http://health-user:secret-pass@127.0.0.1:${port}`, headers: fixture.auth, retries: 0, supportedTtlMs: 1 }))
    seller = await startSeller(
      fixture.chain,
      (app, gate) => {
        health = tollgateHealth({ core: gate, timeoutMs: 1_000, cacheMs: 0 })
        app.get('/health', serveAnswer(health.answer))
        app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      },
      { settler: undefined, facilitator: facilitators, networks: [{ name: 'base-sepolia', asset: fixture.chain.tokenInfo }] },
    )
    // The same report through the fetch adapter's serveAnswer, on node:http.
    web = await serveWeb(webServeAnswer(health.answer))
  })

  afterAll(async () => {
    await seller?.close()
    await web?.close()
    for (const e of endpoints) await e.close()
  })

  const waitFor = async (status: number, reachable: number): Promise<{ text: string; body: HealthReport; cacheControl: string | null }> => {
    let last: { text: string; body: HealthReport; cacheControl: string | null } | undefined
    await until(async () => {
      const answers = await Promise.all(
        [seller.url, web.url].map(async (base) => {
          const res = await fetch(`${base}/health`)
          const text = await res.text()
          return { status: res.status, text, body: JSON.parse(text) as HealthReport, cacheControl: res.headers.get('cache-control') }
        }),
      )
      last = answers[0]
      return answers.every((a) => a.status === status && a.body.checks.facilitators?.reachable === reachable)
    })
    return last!
  }

  const expectNothingSecret = (text: string) => {
    expect(text).not.toMatch(/:\/\/|127\.0\.0\.1|secret-pass|health-user|0x/i)
    expect(text).not.toContain(CALLER_TOKEN)
    for (const port of ports) expect(text).not.toContain(String(port))
  }

  it('both answer: 200 ok, 2 of 2, a memory store that is always reachable, no gas part (no settler of its own)', async () => {
    const up = await waitFor(200, 2)
    expect(up.cacheControl).toBe('no-store')
    expect(up.body).toEqual({
      status: 'ok',
      checks: { store: { status: 'ok' }, facilitators: { status: 'ok', reachable: 2, total: 2 }, pending: { status: 'ok', count: 0, oldestAgeMs: null } },
    })
    expectNothingSecret(up.text)
  })

  it('one goes away: 200 degraded, 1 of 2; both away: 503 down, 0 of 2; both back on their ports: 200 ok', async () => {
    await endpoints[0]!.close()
    const one = await waitFor(200, 1)
    expect(one.body).toMatchObject({ status: 'degraded', checks: { facilitators: { status: 'degraded', reachable: 1, total: 2 } } })

    await endpoints[1]!.close()
    const none = await waitFor(503, 0)
    expect(none.body).toMatchObject({ status: 'down', checks: { facilitators: { status: 'down', reachable: 0, total: 2 } } })
    expect(none.cacheControl).toBe('no-store')
    expectNothingSecret(none.text)

    endpoints[0] = await endpoint(ports[0])
    endpoints[1] = await endpoint(ports[1])
    const back = await waitFor(200, 2)
    expect(back.body.status).toBe('ok')
  })
})
