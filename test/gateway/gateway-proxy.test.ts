/**
 * Behind a reverse proxy that terminates TLS, the gateway's challenges name the URL the buyer used:
 * with `trustProxy` naming the proxy's address (here loopback, where the test's requests come from),
 * its X-Forwarded-Proto and X-Forwarded-Host make the resource URL; without it, those headers are a
 * client's own words and are not believed. A bad entry is a configuration problem, exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { chainConfig, chainEnv, writeConfig } from './support/config.js'
import { runGatewayOnce, startGateway, startUpstream, type Gateway, type Upstream } from './support/processes.js'

let chain: TestChain
let upstream: Upstream
let behindProxy: Gateway
let direct: Gateway

const routes = `routes:\n  - { method: GET, path: /weather, price: "0.01", network: base-sepolia }\n`
const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }

beforeAll(async () => {
  chain = await startTestChain()
  upstream = await startUpstream()
  ;[behindProxy, direct] = await Promise.all([
    startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, `${routes}trustProxy: [loopback]\n`))], chainEnv(chain)),
    startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, routes))], chainEnv(chain)),
  ])
})

afterAll(async () => {
  await Promise.all([behindProxy?.stop(), direct?.stop()])
  await upstream?.stop()
  await chain?.stop()
})

async function resourceOf(gateway: Gateway, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${gateway.url}/weather?city=lisbon`, { headers })
  expect(res.status).toBe(402)
  await res.body?.cancel()
  return decodeHeader<{ resource: { url: string } }>(res.headers.get('payment-required')!).resource.url
}

describe('tollgate gateway behind a reverse proxy', () => {
  it('from a trusted proxy, the resource URL is the public one the proxy forwarded', async () => {
    expect(await resourceOf(behindProxy, forwarded)).toBe('https://api.example.com/weather?city=lisbon')
  })

  it('with no trusted proxy, forwarded headers are ignored: the resource URL is the address the gateway was reached at', async () => {
    expect(await resourceOf(direct, forwarded)).toBe(`${direct.url}/weather?city=lisbon`)
  })

  it('a trustProxy entry that is not an address, a range or a known name is refused at start', async () => {
    const config = writeConfig(chainConfig(chain, upstream.url, `${routes}trustProxy: [10.0.0.0/40, "proxy.internal"]\n`))
    const run = await runGatewayOnce(['--config', config], chainEnv(chain))
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('trustProxy entry "10.0.0.0/40": the prefix must be a whole number from 0 to 32')
    expect(run.stderr).toContain('trustProxy entry "proxy.internal" is not an IP address')
  })
})
