import { parseEventLogs, toHex, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evmExact, memoryStore, requirePayment, settlerPool, type PaymentGate, type RequestLike } from '../../src/index.js'
import { localSettler } from '../../src/chains/evm/settler/local-settler.js'
import { tollgateHealth } from '../../src/health/index.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { startTestChain, testTokenAbi, type TestChain } from '../support/chain.js'
import { encodeHeader, freshBuyer, signAuthorization, v2Payment } from '../support/payments.js'
import { eventually, PRICE, recordingLogger, rpcOf } from './settler-fixture.js'
import { startSwallowProxy } from './send-swallow-proxy.js'

/**
 * A pool of settler accounts on anvil: payments spread over the members' own nonce sequences, a dry
 * member leaves rotation (health degraded, metrics 0) while the others keep settling, each payment
 * exactly once (the buyer's balance and one AuthorizationUsed per payment).
 */

let chain: TestChain
const URL = 'http://127.0.0.1/data'
const FUNDS = 1_000_000n
const TEN_ETH = 10n ** 19n

beforeAll(async () => {
  chain = await startTestChain()
})

afterAll(async () => {
  await chain?.stop()
})

const setBalance = (address: Address, wei: bigint) => rpcOf(chain)('anvil_setBalance', [address, toHex(wei)])

async function member(balance: bigint) {
  const key = generatePrivateKey()
  const address = privateKeyToAccount(key).address
  await setBalance(address, balance)
  return { address, settler: localSettler({ privateKey: key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, gasCheckIntervalMs: 0 }) }
}

function gateWith(settler: ReturnType<typeof settlerPool>): PaymentGate {
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

/** Pays once through the gate: the pass settles, as an adapter would after the handler. */
async function pay(gate: PaymentGate, buyer: PrivateKeyAccount) {
  const decision = await gate.evaluate(await paidRequest(gate, buyer))
  if (decision.type !== 'pass') return { decision }
  return { decision, outcome: await decision.settle() }
}

/** One at a time: minting goes out from one deployer account. */
async function buyersOf(count: number): Promise<PrivateKeyAccount[]> {
  const buyers: PrivateKeyAccount[] = []
  for (let i = 0; i < count; i++) buyers.push(await freshBuyer(chain, FUNDS))
  return buyers
}

async function sentFrom(address: Address): Promise<number> {
  return chain.publicClient.getTransactionCount({ address, blockTag: 'latest' })
}

async function authorizationsUsed(hashes: Hex[]): Promise<number> {
  let used = 0
  for (const hash of hashes) {
    const receipt = await chain.publicClient.getTransactionReceipt({ hash })
    used += parseEventLogs({ abi: testTokenAbi, logs: receipt.logs, eventName: 'AuthorizationUsed' }).length
  }
  return used
}

describe('settlerPool', () => {
  it('spreads concurrent payments over every member, each on its own nonces, each payment settled exactly once', async () => {
    const members = await Promise.all([member(TEN_ETH), member(TEN_ETH), member(TEN_ETH)])
    const pool = settlerPool(members.map((m) => m.settler))
    const gate = gateWith(pool)
    const buyers = await buyersOf(9)

    const results = await Promise.all(buyers.map((b) => pay(gate, b)))

    const transactions = results.map((r) => (r.outcome?.ok ? r.outcome.response!.transaction : undefined))
    expect(transactions.every(Boolean)).toBe(true)
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(new Set(transactions).size).toBe(9)
    expect(await authorizationsUsed(transactions as Hex[])).toBe(9)
    const counts = await Promise.all(members.map((m) => sentFrom(m.address)))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(9)
    // Round-robin: every account sent some.
    for (const count of counts) expect(count).toBeGreaterThan(0)
  })

  it('a dry member leaves rotation: payments keep settling on the others, health says degraded, metrics say 0 for it', async () => {
    const members = await Promise.all([member(TEN_ETH), member(TEN_ETH), member(TEN_ETH)])
    const logger = recordingLogger()
    const pool = settlerPool(
      members.map((m) => m.settler),
      { logger },
    )
    const gate = gateWith(pool)
    // Connected and checked while funded; then one account runs dry behind the pool's back.
    expect((await pool.gasStatus()).map((s) => s.rotation)).toEqual(['in', 'in', 'in'])
    await setBalance(members[1]!.address, 0n)

    const buyers = await buyersOf(8)
    const results = []
    for (const buyer of buyers) results.push(await pay(gate, buyer))

    for (const r of results) expect(r.outcome).toMatchObject({ ok: true })
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await sentFrom(members[1]!.address)).toBe(0)
    expect((await sentFrom(members[0]!.address)) + (await sentFrom(members[2]!.address))).toBe(8)
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/out of rotation/) }))

    const statuses = await pool.gasStatus()
    expect(statuses.find((s) => s.address === members[1]!.address)).toMatchObject({ state: 'dry', rotation: 'out' })
    expect(statuses.filter((s) => s.rotation === 'in')).toHaveLength(2)

    const health = await tollgateHealth({ settler: pool, cacheMs: 0 }).check()
    expect(health.checks.gas).toMatchObject({ status: 'degraded' })
    expect(health.checks.gas!.networks).toContainEqual(expect.objectContaining({ state: 'dry', rotation: 'out' }))

    const metrics = tollgateMetrics({ settler: pool })
    const text = await metrics.registry.metrics()
    expect(text).toContain(`tollgate_settler_pool_in_rotation{network="base-sepolia",address="${members[1]!.address}"} 0`)
    expect(text).toContain(`tollgate_settler_pool_in_rotation{network="base-sepolia",address="${members[0]!.address}"} 1`)

    // Refilled: back in rotation and sending again.
    await setBalance(members[1]!.address, TEN_ETH)
    expect((await pool.gasStatus()).find((s) => s.address === members[1]!.address)).toMatchObject({ state: 'ok', rotation: 'in' })
    const later = await buyersOf(3)
    for (const buyer of later) expect((await pay(gate, buyer)).outcome).toMatchObject({ ok: true })
    expect(await sentFrom(members[1]!.address)).toBeGreaterThan(0)
  })

  it('a stuck member (a send never answered) leaves rotation after stuckAfterMs: the others settle meanwhile; it comes back when its settlement ends', async () => {
    const proxy = await startSwallowProxy(chain.rpcUrl)
    try {
      const stuckKey = generatePrivateKey()
      const stuckAddress = privateKeyToAccount(stuckKey).address
      await setBalance(stuckAddress, TEN_ETH)
      // Its sends reach the chain but their answers never come: the settlement waits for its request timeout.
      const stuck = localSettler({ privateKey: stuckKey, rpcUrl: proxy.url, pollingIntervalMs: 50, gasCheckIntervalMs: 0, requestTimeoutMs: 4_000 })
      const healthy = await member(TEN_ETH)
      const logger = recordingLogger()
      const pool = settlerPool([stuck, healthy.settler], { stuckAfterMs: 300, logger })
      const gate = gateWith(pool)
      const [first, ...others] = await buyersOf(5)
      const pending = pay(gate, first!)
      await eventually(async () => proxy.sends >= 1, 'the stuck member sent')
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect((await pool.gasStatus()).find((s) => s.address === stuckAddress)).toMatchObject({ rotation: 'out' })
      for (const buyer of others) expect((await pay(gate, buyer)).outcome).toMatchObject({ ok: true })
      expect(await sentFrom(healthy.address)).toBe(4)
      expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/out of rotation/), fields: expect.objectContaining({ address: stuckAddress }) }))
      // Its own transaction was mined all along; once its answer times out the settler finds the receipt.
      expect((await pending).outcome).toMatchObject({ ok: true })
      expect((await pool.gasStatus()).find((s) => s.address === stuckAddress)).toMatchObject({ rotation: 'in' })
      for (const buyer of [first!, ...others]) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
      expect(await sentFrom(stuckAddress)).toBe(1)
    } finally {
      await proxy.close()
    }
  })

  it('every member dry: the pool is dry, refused at verification with nothing charged; all members down in health', async () => {
    const members = await Promise.all([member(0n), member(0n)])
    const pool = settlerPool(members.map((m) => m.settler))
    const gate = gateWith(pool)
    const buyer = await freshBuyer(chain, FUNDS)
    const { decision } = await pay(gate, buyer)
    expect(decision).toMatchObject({ type: 'reject', status: 503, reason: 'settler_insufficient_gas' })
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS)
    const health = await tollgateHealth({ settler: pool, cacheMs: 0 }).check()
    expect(health.checks.gas).toMatchObject({ status: 'down' })
  })

  it('refuses a pool without members or with one key twice', () => {
    expect(() => settlerPool([])).toThrow(/at least one settler/)
    const key = generatePrivateKey()
    expect(() => settlerPool([localSettler({ privateKey: key, rpcUrl: 'http://127.0.0.1:1' }), localSettler({ privateKey: key, rpcUrl: 'http://127.0.0.1:1' })])).toThrow(/share one account/)
  })
})
