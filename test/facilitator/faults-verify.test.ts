/**
 * Facilitator faults before anything is settled: down, slow, 500, malformed JSON, and failover
 * across several facilitators. Each must give 503 facilitator_unavailable (or the verdict of a
 * facilitator that could give one), no content, no transfer, and leave the payment usable.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { httpFacilitator } from '../../src/index.js'
import { freePort } from '../support/anvil.js'
import type { TestChain } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { facilitatorSeller, present, useRealFacilitator } from './support/fault-seller.js'
import { freshBuyer, signedV2, type V2Requirement } from './support/fixtures.js'
import { startStubFacilitator, type StubRoute } from './support/stub-facilitator.js'

const fixture = useRealFacilitator()
let chain: TestChain
let real: TestServer
let requirement: V2Requirement
const { auth, forward } = fixture
beforeAll(() => void ({ chain, real, requirement } = fixture))

async function payment() {
  return (await signedV2(chain, requirement, await freshBuyer(chain))).header
}

describe('a facilitator that is down', () => {
  it('does not stop the seller: 402 challenges still go out, payments get 503 until it is back, then the same payment buys', async () => {
    const port = await freePort()
    const seller = await facilitatorSeller(chain, httpFacilitator({ url: `http://127.0.0.1:${port}`, headers: auth, retries: 0 }))
    const transfers = await chain.transferCount()
    try {
      expect((await fetch(`${seller.url}/data`)).status).toBe(402)
      const header = await payment()
      expect(await present(seller, header)).toEqual({ status: 503, error: 'facilitator_unavailable', content: false })
      expect(await chain.transferCount()).toBe(transfers)
      const back = await startStubFacilitator({ supported: forward('supported'), verify: forward('verify'), settle: forward('settle') }, port)
      try {
        expect(await present(seller, header)).toMatchObject({ status: 200, content: true, settlement: { success: true } })
        expect(await chain.transferCount()).toBe(transfers + 1)
      } finally {
        await back.close()
      }
    } finally {
      await seller.close()
    }
  })
})

describe('a facilitator that answers too slowly, with 500 or with malformed JSON, at /supported or /verify', () => {
  const cases: Array<[string, Partial<Record<'supported' | 'verify', StubRoute>>, number]> = [
    ['/verify slower than timeoutMs', { verify: forward('verify', 3_000) }, 2],
    ['/verify answering 500', { verify: () => ({ status: 500, body: 'Internal Server Error' }) }, 2],
    ['/verify answering malformed JSON', { verify: () => ({ status: 200, body: '{"isValid": tru' }) }, 2],
    ['/verify answering JSON of the wrong shape', { verify: () => ({ status: 200, body: { valid: 'yes' } }) }, 2],
    ['/supported answering malformed JSON', { supported: () => ({ status: 200, body: '<html>' }) }, 0],
    ['/supported answering 500', { supported: () => ({ status: 500, body: {} }) }, 0],
  ]
  it.each(cases)('%s → 503 facilitator_unavailable after bounded retries; the same payment buys once it recovers', async (_name, faults, verifyCalls) => {
    let broken = true
    const route = (name: 'supported' | 'verify'): StubRoute => (body) => (broken && faults[name] ? faults[name](body) : forward(name)(body))
    const stub = await startStubFacilitator({ supported: route('supported'), verify: route('verify'), settle: forward('settle') })
    const seller = await facilitatorSeller(chain, httpFacilitator({ url: stub.url, headers: auth, timeoutMs: 300, retries: 1 }))
    try {
      const header = await payment()
      const transfers = await chain.transferCount()
      expect(await present(seller, header)).toEqual({ status: 503, error: 'facilitator_unavailable', content: false })
      expect(stub.calls.verify ?? 0).toBe(verifyCalls)
      expect(stub.calls.settle ?? 0).toBe(0)
      broken = false
      expect(await present(seller, header)).toMatchObject({ status: 200, content: true })
      expect(await chain.transferCount()).toBe(transfers + 1)
    } finally {
      await seller.close()
      await stub.close()
    }
  })
})

describe('several facilitators in order', () => {
  it('a primary that is down, slow or failing is passed over for the backup, which verifies and settles', async () => {
    const downPort = await freePort()
    const failing = await startStubFacilitator({ supported: forward('supported'), verify: () => ({ status: 502, body: 'bad gateway' }) })
    const seller = await facilitatorSeller(chain, [
      httpFacilitator({ url: `http://127.0.0.1:${downPort}`, retries: 0 }),
      httpFacilitator({ url: failing.url, headers: auth, retries: 0 }),
      httpFacilitator({ url: real.url, headers: auth }),
    ])
    try {
      const transfers = await chain.transferCount()
      expect(await present(seller, await payment())).toMatchObject({ status: 200, content: true, settlement: { success: true } })
      expect(failing.calls.verify).toBe(1)
      expect(failing.calls.settle ?? 0).toBe(0)
      expect(await chain.transferCount()).toBe(transfers + 1)
    } finally {
      await seller.close()
      await failing.close()
    }
  })

  it('a refusal is a verdict: the backup is not asked for a second opinion', async () => {
    const refusing = await startStubFacilitator({
      supported: forward('supported'),
      verify: () => ({ status: 200, body: { isValid: false, invalidReason: 'invalid_exact_evm_signature', invalidMessage: 'no' } }),
    })
    const backup = await startStubFacilitator({ supported: forward('supported'), verify: forward('verify'), settle: forward('settle') })
    const seller = await facilitatorSeller(chain, [httpFacilitator({ url: refusing.url }), httpFacilitator({ url: backup.url })])
    try {
      expect(await present(seller, await payment())).toEqual({ status: 402, error: 'invalid_exact_evm_signature', content: false })
      expect(backup.calls.verify ?? 0).toBe(0)
    } finally {
      await seller.close()
      await refusing.close()
      await backup.close()
    }
  })

  it('a facilitator that does not list the network in /supported is skipped', async () => {
    const other = await startStubFacilitator({ supported: () => ({ status: 200, body: { kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:8453' }] } }) })
    const seller = await facilitatorSeller(chain, [httpFacilitator({ url: other.url }), httpFacilitator({ url: real.url, headers: auth })])
    try {
      expect(await present(seller, await payment())).toMatchObject({ status: 200, content: true })
      expect(other.calls.verify ?? 0).toBe(0)
    } finally {
      await seller.close()
      await other.close()
    }
  })
})
