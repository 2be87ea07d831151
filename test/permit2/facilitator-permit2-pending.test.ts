import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { localSettler, memoryStore } from '../../src/index.js'
import { ANVIL_KEYS } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'
import { serveWeb } from '../facilitator/support/serve-web.js'

/**
 * tollgate's facilitator with a Permit2 settlement left pending (automine off): `/settle` answers
 * settlement_pending, a second `/settle` while pending sends nothing new, and once mined it is
 * resolved from the chain and reported settled, once; the buyer is charged once.
 */
const TOKEN = 'caller-token-0123456789abcdef0123'
let chain: Permit2Chain
let facilitator: TestServer

beforeAll(async () => {
  chain = await startPermit2Chain()
  facilitator = await serveWeb(
    facilitatorHandler({
      settler: localSettler({ privateKey: ANVIL_KEYS[9]!, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, receiptTimeoutMs: 300 }),
      networks: [{ name: 'base-sepolia', rpcUrl: chain.rpcUrl, asset: chain.permitTokenInfo }],
      tokens: [TOKEN],
      store: memoryStore(),
    }),
  )
  await chain.approvePermit2(chain.accounts.buyers[0]!)
})

afterAll(async () => {
  await chain?.rpc('evm_setAutomine', [true]).catch(() => undefined)
  await facilitator?.close()
  await chain?.stop()
})

const settle = async (body: unknown) => {
  const res = await fetch(`${facilitator.url}/settle`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return (await res.json()) as { success: boolean; errorReason?: string; transaction: string }
}

describe('facilitator: a pending Permit2 settlement', () => {
  it('pending, then resolved from the chain and reported settled once', async () => {
    const requirement = {
      scheme: 'exact', network: 'eip155:84532', amount: '1000000', asset: chain.permitToken, payTo: chain.accounts.seller.address, maxTimeoutSeconds: 300,
      extra: { assetTransferMethod: 'permit2', name: 'Tether USD', version: '1' },
    }
    const { header } = await permit2PaymentHeader(chain.accounts.buyers[0]!, requirement)
    const body = { x402Version: 2, paymentPayload: JSON.parse(Buffer.from(header, 'base64').toString('utf8')), paymentRequirements: requirement }
    const before = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    await chain.rpc('evm_setAutomine', [false])
    const first = await settle(body)
    expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    expect(first.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await settle(body)).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    await chain.rpc('evm_mine')
    await chain.rpc('evm_setAutomine', [true])
    const resolved = await settle(body)
    expect(resolved).toMatchObject({ success: true, transaction: first.transaction })
    expect(await settle(body)).toMatchObject({ success: false, errorReason: 'payment_already_used' })
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before + 1_000_000n)
  })
})
