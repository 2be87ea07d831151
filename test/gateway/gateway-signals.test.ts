/**
 * The gateway process under signals: SIGHUP reloads the configuration file (a new price takes
 * effect; a bad file, or one changing what needs a restart, keeps the running configuration) and
 * SIGTERM lets a settlement in flight finish (the buyer gets the content, the transfer is mined)
 * before the process exits 0.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { chainConfig, chainEnv, writeConfig } from './support/config.js'
import { startGateway, startUpstream, type Upstream } from './support/processes.js'
import { startSendGate } from './support/send-gate.js'

let chain: TestChain
let upstream: Upstream

beforeAll(async () => {
  chain = await startTestChain()
  upstream = await startUpstream()
})

afterAll(async () => {
  await upstream?.stop()
  await chain?.stop()
})

const routes = (price: string) => `routes:\n  - { method: GET, path: /data, price: "${price}", network: base-sepolia }\n`

async function offeredAmount(url: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(402)
  return decodeHeader<{ accepts: { amount: string }[] }>(response.headers.get('payment-required')!).accepts[0]!.amount
}

describe('SIGHUP', () => {
  it('reloads the file: a new price takes effect; a bad file is refused with every problem and the old configuration kept', async () => {
    const file = writeConfig(chainConfig(chain, upstream.url, routes('0.01')))
    const gateway = await startGateway(['--config', file], chainEnv(chain))
    try {
      expect(await offeredAmount(`${gateway.url}/data`)).toBe('10000')

      writeFileSync(file, chainConfig(chain, upstream.url, routes('0.02')))
      gateway.child.kill('SIGHUP')
      await gateway.waitFor(/configuration reloaded \(1 routes\)/)
      expect(await offeredAmount(`${gateway.url}/data`)).toBe('20000')
      const buyer = chain.accounts.buyers[0]!
      const before = await chain.balanceOf(buyer.address)
      const paid = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${gateway.url}/data`)
      expect(paid.status).toBe(200)
      expect(await chain.balanceOf(buyer.address)).toBe(before - 20_000n)

      const bad = `${chainConfig(chain, upstream.url, '')}routes:\n  - { method: GET, path: /data, price: 0.03, network: base-sepolia, setle: after-handler }\n  - { method: FETCH, path: data, price: "1" }\nforward: { timeoutMs: -1 }\n`
      writeFileSync(file, bad)
      gateway.child.kill('SIGHUP')
      await waitForText(() => gateway.stderr(), /reload refused[\s\S]*timeoutMs/)
      const refusal = gateway.stderr().slice(gateway.stderr().indexOf('reload refused'))
      expect(refusal).toContain('unknown option "setle" (did you mean "settle"?)')
      expect(refusal).toContain(`method "FETCH"`)
      expect(refusal).toContain('path "data" must be a path starting with /')
      expect(refusal).toContain('network is missing')
      expect(refusal).toContain('forward.timeoutMs -1 must be a positive integer')
      expect(await offeredAmount(`${gateway.url}/data`)).toBe('20000')

      // A change that needs a restart is refused the same way.
      writeFileSync(file, chainConfig(chain, upstream.url, routes('0.05')).replace(chain.accounts.seller.address, chain.accounts.buyers[6]!.address))
      gateway.child.kill('SIGHUP')
      await waitForText(() => gateway.stderr(), /change only with a restart/)
      expect(await offeredAmount(`${gateway.url}/data`)).toBe('20000')
    } finally {
      await gateway.stop()
    }
  })
})

describe('SIGTERM', () => {
  it('during a settlement: the buyer gets the content, the transfer is mined, new connections are refused, exit 0', async () => {
    const sends = await startSendGate(chain.rpcUrl)
    const gateway = await startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, routes('0.01')))], chainEnv(chain, sends.url))
    try {
      const buyer = chain.accounts.buyers[1]!
      const before = await chain.balanceOf(buyer.address)
      sends.hold()
      const paid = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${gateway.url}/data`)
      await sends.arrived()

      gateway.child.kill('SIGTERM')
      await gateway.waitFor(/stopping; letting requests in flight finish/)
      expect(gateway.child.exitCode).toBeNull()
      await expect(fetch(`${gateway.url}/data`)).rejects.toThrow()

      sends.release()
      const response = await paid
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ data: 42, path: '/data' })
      const settlement = decodeHeader<{ transaction: `0x${string}` }>(response.headers.get('payment-response')!)
      expect((await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction })).status).toBe('success')
      expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
      expect(await gateway.exited(30_000)).toBe(0)
      expect(gateway.stdout()).toContain('tollgate gateway: stopped')
    } finally {
      await gateway.stop()
      await sends.close()
    }
  })
})

async function waitForText(read: () => string, pattern: RegExp, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms: ${read()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
