import { toHex, type Address, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evmExact, memoryStore, requirePayment, type PaymentGate, type RequestLike } from '../../src/index.js'
import { localSettler } from '../../src/chains/evm/settler/local-settler.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { encodeHeader, freshBuyer, signAuthorization, v2Payment } from '../support/payments.js'
import { eventually, PRICE, recordingLogger, rpcOf, settlerFixture } from './settler-fixture.js'

/**
 * A settler account that cannot pay gas: its own reason (settler_insufficient_gas, 503), nothing
 * sent, nothing charged, logged at error level; known dry, the gate refuses at verification so
 * no handler runs. Balances are set with anvil_setBalance.
 */

let chain: TestChain
const FUNDS = 1_000_000n
const URL = 'http://127.0.0.1/data'
const TEN_ETH = 10n ** 19n

beforeAll(async () => {
  chain = await startTestChain()
})

afterAll(async () => {
  await chain?.stop()
})

const setBalance = (address: Address, wei: bigint) => rpcOf(chain)('anvil_setBalance', [address, toHex(wei)])

function gateWith(settler: ReturnType<typeof localSettler>): PaymentGate {
  return requirePayment({ amount: '0.10' }, [evmExact({ network: 'base-sepolia' })], {
    payTo: chain.accounts.seller.address,
    settler,
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  })
}

async function paidRequest(gate: PaymentGate, buyer: PrivateKeyAccount): Promise<RequestLike> {
  const requirement = gate.methods[0]!.requirement({ url: URL, description: 'data', mimeType: 'application/json' }, 300).v2
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
  const header = encodeHeader(v2Payment(requirement, payload))
  return { method: 'GET', url: URL, headers: { get: (name) => (name === 'payment-signature' ? header : null) } }
}

async function freshSettler(balance: bigint, options: { gasCheckIntervalMs?: number; minGasBalance?: bigint } = {}) {
  const key = generatePrivateKey()
  const address = privateKeyToAccount(key).address
  await setBalance(address, balance)
  const logger = recordingLogger()
  const settler = localSettler({ privateKey: key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, gasCheckIntervalMs: 0, logger, ...options })
  return { settler, address, logger }
}

describe('the settler is known dry before a payment comes', () => {
  it('503 settler_insufficient_gas at verification: no pass (no handler), nothing charged; after a refill the same payment settles', async () => {
    const { settler, address, logger } = await freshSettler(0n)
    const gate = gateWith(settler)
    const buyer = await freshBuyer(chain, FUNDS)
    const request = await paidRequest(gate, buyer)

    const refused = await gate.evaluate(request)
    expect(refused).toMatchObject({ type: 'reject', status: 503, reason: 'settler_insufficient_gas' })
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS)
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/cannot pay gas/) }))

    await setBalance(address, TEN_ETH)
    // The claim was released: the very same payment is taken now.
    const pass = await gate.evaluate(request)
    expect(pass.type).toBe('pass')
    const outcome = await (pass as Extract<typeof pass, { type: 'pass' }>).settle()
    expect(outcome.ok).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
  })
})

describe('the settler runs dry after its last balance check', () => {
  it('the send is refused for gas: settler_insufficient_gas, 503, not broadcast, logged at error; nothing left the account', async () => {
    const f = await settlerFixture(chain)
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    expect(await f.verify(proof)).toMatchObject({ ok: true })
    await setBalance(f.account.address, 0n)
    const nonce = await chain.publicClient.getTransactionCount({ address: f.account.address, blockTag: 'pending' })

    const settlement = await f.settle(proof)

    expect(settlement).toMatchObject({ ok: false, status: 503, reason: 'settler_insufficient_gas', broadcast: false })
    expect(settlement).not.toHaveProperty('transaction')
    // Anvil's refusal is a verdict on a transaction it never took: the account's nonce did not move.
    expect(await chain.publicClient.getTransactionCount({ address: f.account.address, blockTag: 'pending' })).toBe(nonce)
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS)
    expect(f.logger.lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ detail: expect.stringMatching(/insufficient funds/i) }) }))

    // Now known dry: the next payment is refused before any handler could run, until funds arrive.
    const next = await f.pay(await freshBuyer(chain, FUNDS))
    expect(await f.verify(next)).toMatchObject({ ok: false, status: 503, reason: 'settler_insufficient_gas' })
    await setBalance(f.account.address, TEN_ETH)
    expect(await f.verify(next)).toMatchObject({ ok: true })
    expect(await f.settle(proof)).toMatchObject({ ok: true })
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
  })

  it('the periodic check sees it and logs it at error level', async () => {
    const { settler, address, logger } = await freshSettler(TEN_ETH, { gasCheckIntervalMs: 100 })
    gateWith(settler) // connect() starts the watch
    expect(await settler.gasStatus()).toMatchObject([{ state: 'ok' }])
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([])
    await setBalance(address, 0n)
    // No payment, no gasStatus() call: only the timer can notice.
    await eventually(async () => logger.lines.some((l) => l.level === 'error' && /cannot pay gas for one settlement/.test(l.message)), 'the dry settler logged')
  })
})

describe('gasStatus()', () => {
  it("reads every connected network: 'ok', 'low' below minGasBalance (warned), 'dry' below one settlement", async () => {
    const { settler, address, logger } = await freshSettler(TEN_ETH, { minGasBalance: 10n ** 18n })
    gateWith(settler)
    expect(await settler.gasStatus()).toEqual([{ network: 'base-sepolia', address, balance: TEN_ETH, state: 'ok' }])
    await setBalance(address, 10n ** 17n)
    expect(await settler.gasStatus()).toEqual([{ network: 'base-sepolia', address, balance: 10n ** 17n, state: 'low' }])
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/below minGasBalance/) }))
    await setBalance(address, 1_000n)
    expect(await settler.gasStatus()).toEqual([{ network: 'base-sepolia', address, balance: 1_000n, state: 'dry' }])
  })
})
