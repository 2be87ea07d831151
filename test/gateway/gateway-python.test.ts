/**
 * Language independence: the example configuration (examples/gateway/tollgate.config.yaml) in
 * front of the example upstream, a Python `http.server` with no payment code, paid by the official
 * v2 client on anvil. Needs python3: without it the suite says why and skips, unless
 * REQUIRE_PYTHON=1 (CI), where a missing python3 fails.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { chainEnv, networksYaml, writeConfig } from './support/config.js'
import { REPO, spawnProcess, startGateway, type Gateway, type Spawned } from './support/processes.js'

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' })
const hasPython = python.status === 0
if (!hasPython) {
  if (process.env.REQUIRE_PYTHON === '1') throw new Error('REQUIRE_PYTHON=1 but python3 is not available (apt-get install -y python3)')
  console.warn('gateway-python: skipped, python3 is not installed (apt-get install -y python3); set REQUIRE_PYTHON=1 to make this a failure')
}

const EXAMPLE = `${REPO}examples/gateway/`
const SECRET = 'a prepaid signing secret of at least 32 bytes'

let chain: TestChain
let upstream: Spawned
let gateway: Gateway

describe.skipIf(!hasPython)('tollgate gateway in front of a Python http.server, with the example configuration', () => {
  beforeAll(async () => {
    chain = await startTestChain()
    upstream = spawnProcess('python3', ['-u', `${EXAMPLE}upstream.py`, '0'])
    const [, port] = await upstream.waitFor(/listening on (\d+)/, 30_000)
    // The example as shipped, with base-sepolia's token pointed at the test chain's.
    const config = `${readFileSync(`${EXAMPLE}tollgate.config.yaml`, 'utf8')}\n${networksYaml(chain)}`
    gateway = await startGateway(
      ['--config', writeConfig(config), '--target', `http://127.0.0.1:${port}`, '--pay-to', chain.accounts.seller.address],
      { ...chainEnv(chain), TOLLGATE_PREPAID_SECRET: SECRET },
    )
  })

  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
    await chain?.stop()
  })

  const pay = (index: number) => makeV2Fetch(chain.accounts.buyers[index]!, { network: 'eip155:84532', asset: chain.token })

  it('the official v2 client buys a JSON answer from the Python upstream; exactly the price moves', async () => {
    const buyer = chain.accounts.buyers[0]!
    const [buyerBefore, sellerBefore] = [await chain.balanceOf(buyer.address), await chain.balanceOf(chain.accounts.seller.address)]
    const response = await pay(0)(`${gateway.url}/weather/Porto`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ city: 'Porto', celsius: 21, served_by: 'python' })
    const settlement = decodeHeader<{ success: boolean; transaction: `0x${string}` }>(response.headers.get('payment-response')!)
    expect((await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction })).status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(buyerBefore - 10_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + 10_000n)
  })

  it("a streamed Python answer arrives whole after settlement; a before-handler POST reaches Python once paid", async () => {
    const report = await pay(1)(`${gateway.url}/report`)
    expect(report.status).toBe(200)
    expect(await report.text()).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n')
    expect(report.headers.get('payment-response')).toBeTruthy()

    const echo = await pay(2)(`${gateway.url}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'from a buyer' })
    expect(echo.status).toBe(200)
    expect(await echo.json()).toEqual({ received: 'from a buyer', served_by: 'python' })
  })

  it('serves the free routes, the prepaid packages, health and metrics of the example; other paths are 404', async () => {
    const free = await fetch(`${gateway.url}/public/readme`)
    expect(free.status).toBe(200)
    expect(await free.json()).toEqual({ public: true })
    const packages = await fetch(`${gateway.url}/prepaid/packages`)
    expect(packages.status).toBe(200)
    expect(JSON.stringify(await packages.json())).toContain('starter')
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200)
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toContain('tollgate_payments_settled_total')
    expect((await fetch(`${gateway.url}/fail`)).status).toBe(404)
    const unpaid = await fetch(`${gateway.url}/weather/Lisbon`)
    expect(unpaid.status).toBe(402)
  })
})
