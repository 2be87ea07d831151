import { readFileSync } from 'node:fs'
import { parseAbiItem, toHex, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settleAuthorization, type ChainTerms, type EvmProof } from '../../src/chains/evm/exact/verify-authorization.js'
import { batchedSettler, MULTICALL3_ADDRESS } from '../../src/chains/evm/settler/batch-settler.js'
import { localSettler } from '../../src/chains/evm/settler/local-settler.js'
import type { LocalSettlerOptions } from '../../src/chains/evm/settler/settler-options.js'
import { evmExact, memoryStore, requirePayment, settlerPool, type RequestLike } from '../../src/index.js'
import { NetworkRegistry } from '../../src/networks/resolve-network.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { encodeHeader, freshBuyer, signAuthorization, v2Payment } from '../support/payments.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { eventually, PRICE, proofOf, recordingLogger, rpcOf } from './settler-fixture.js'

/**
 * Batched settlement on anvil: payments verified within the window go out in one aggregate3
 * transaction (our own Multicall3-compatible contract placed at Multicall3's address), each
 * payment's outcome read from the receipt. Exactly once by balances and AuthorizationUsed events;
 * one bad payment inside a batch neither fails nor delays the others and gets its own reason; a
 * batch whose answer was lost, or which the node dropped, is resolved per payment from the chain.
 */

const FUNDS = 1_000_000n
const usedEvent = parseAbiItem('event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)')
const batchCaller = JSON.parse(readFileSync(new URL('../../contracts/batch/artifacts/BatchCaller.json', import.meta.url), 'utf8')) as { deployedBytecode: Hex }

let chain: TestChain
beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  await rpcOf(chain)('anvil_setCode', [MULTICALL3_ADDRESS, batchCaller.deployedBytecode])
})
afterAll(async () => {
  await chain?.stop()
})

async function fundedKey(): Promise<Hex> {
  const key = generatePrivateKey()
  await rpcOf(chain)('anvil_setBalance', [privateKeyToAccount(key).address, toHex(10n ** 19n)])
  return key
}

async function batched(options: Partial<LocalSettlerOptions> & { rpcUrl?: string; windowMs?: number; maxBatch?: number } = {}) {
  const { windowMs = 200, maxBatch, ...settlerOptions } = options
  const key = await fundedKey()
  const logger = recordingLogger()
  const settler = batchedSettler(localSettler({ privateKey: key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, gasCheckIntervalMs: 0, logger, ...settlerOptions }), { windowMs, ...(maxBatch ? { maxBatch } : {}) })
  const network = new NetworkRegistry([{ name: 'base-sepolia', asset: chain.tokenInfo }]).resolve('base-sepolia')
  const terms: ChainTerms = { network, token: chain.tokenInfo, amount: PRICE, payTo: chain.accounts.seller.address, chain: settler.connect(network) }
  return { settler, terms, address: privateKeyToAccount(key).address, logger }
}

async function buyersOf(count: number, funds = FUNDS): Promise<PrivateKeyAccount[]> {
  const out: PrivateKeyAccount[] = []
  for (let i = 0; i < count; i++) out.push(await freshBuyer(chain, funds))
  return out
}

async function proofFrom(buyer: PrivateKeyAccount, overrides: { value?: bigint } = {}): Promise<EvmProof> {
  return proofOf(await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId, ...overrides }))
}

async function usedFor(buyers: PrivateKeyAccount[]): Promise<number> {
  const logs = await chain.publicClient.getLogs({ address: chain.token, event: usedEvent, fromBlock: 0n })
  return logs.filter((l) => buyers.some((b) => b.address.toLowerCase() === l.args.authorizer?.toLowerCase())).length
}

const sent = (address: Address) => chain.publicClient.getTransactionCount({ address, blockTag: 'latest' })

describe('batchedSettler', () => {
  it('payments within the window go out in one transaction; each is settled exactly once, less gas per payment than alone', async () => {
    const b = await batched()
    const buyers = await buyersOf(8)
    const proofs = await Promise.all(buyers.map((buyer) => proofFrom(buyer)))
    const outcomes = await Promise.all(proofs.map((p) => settleAuthorization(b.terms, p)))
    expect(outcomes.every((o) => o.ok)).toBe(true)
    const hashes = new Set(outcomes.map((o) => (o.ok ? o.transaction : '')))
    expect(hashes.size).toBe(1)
    expect(await sent(b.address)).toBe(1)
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await usedFor(buyers)).toBe(8)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: [...hashes][0] as Hex })
    // One transferWithAuthorization alone costs ~60-90k with its 21k base: batched, each payment pays less.
    expect(receipt.gasUsed / 8n).toBeLessThan(60_000n)
  })

  it('maxBatch splits a burst into several transactions', async () => {
    const b = await batched({ maxBatch: 3, windowMs: 1_000 })
    const buyers = await buyersOf(7)
    const outcomes = await Promise.all((await Promise.all(buyers.map((buyer) => proofFrom(buyer)))).map((p) => settleAuthorization(b.terms, p)))
    expect(outcomes.every((o) => o.ok)).toBe(true)
    expect(new Set(outcomes.map((o) => (o.ok ? o.transaction : ''))).size).toBe(3)
    expect(await usedFor(buyers)).toBe(7)
  })

  it('one bad payment inside a batch: the others settle in the same transaction, the bad one gets its own reason and is not charged', async () => {
    const b = await batched()
    const good = await buyersOf(5)
    const [poor] = await buyersOf(1, PRICE - 1n)
    const proofs = [...(await Promise.all(good.map((buyer) => proofFrom(buyer)))), await proofFrom(poor!)]
    const outcomes = await Promise.all(proofs.map((p) => settleAuthorization(b.terms, p)))
    const [bad] = outcomes.splice(5, 1)
    expect(outcomes.every((o) => o.ok)).toBe(true)
    expect(new Set(outcomes.map((o) => (o.ok ? o.transaction : ''))).size).toBe(1)
    expect(bad).toMatchObject({ ok: false, status: 402, reason: 'invalid_exact_evm_insufficient_balance', broadcast: false })
    expect(await chain.balanceOf(poor!.address)).toBe(PRICE - 1n)
    for (const buyer of good) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await sent(b.address)).toBe(1)
  })

  it('a replay storm through the gate: each payment passes once, settles once, in batches', async () => {
    const b = await batched()
    const gate = requirePayment({ amount: '0.10' }, [evmExact({ network: 'base-sepolia' })], {
      payTo: chain.accounts.seller.address,
      settler: b.settler,
      store: memoryStore(),
      networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    })
    const requirement = gate.methods[0]!.requirement({ url: 'http://127.0.0.1/data', description: 'data', mimeType: 'application/json' }, 300).v2
    const buyers = await buyersOf(4)
    const headers = await Promise.all(
      buyers.map(async (buyer) => encodeHeader(v2Payment(requirement, await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })))),
    )
    const request = (header: string): RequestLike => ({ method: 'GET', url: 'http://127.0.0.1/data', headers: { get: (n) => (n === 'payment-signature' ? header : null) } })
    // Each payment presented five times at once.
    const decisions = await Promise.all(headers.flatMap((h) => Array.from({ length: 5 }, () => gate.evaluate(request(h)))))
    const passes = decisions.filter((d) => d.type === 'pass')
    expect(passes).toHaveLength(4)
    expect(decisions.filter((d) => d.type === 'reject' && d.status === 409)).toHaveLength(16)
    const outcomes = await Promise.all(passes.map((p) => (p.type === 'pass' ? p.settle() : undefined)))
    expect(outcomes.every((o) => o?.ok)).toBe(true)
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await usedFor(buyers)).toBe(4)
    expect(await sent(b.address)).toBe(1)
  })
})

describe('a batch whose fate is not seen', () => {
  let proxy: RpcProxy
  beforeAll(async () => {
    proxy = await startRpcProxy(chain.rpcUrl)
  })
  afterAll(async () => {
    await proxy?.close()
  })

  it('answer lost, endpoint gone: every payment unknown (never "not charged"), then resolved one by one from the chain', async () => {
    const b = await batched({ rpcUrl: proxy.url, receiptTimeoutMs: 1_500, requestTimeoutMs: 1_000 })
    const good = await buyersOf(3)
    const [poor] = await buyersOf(1, PRICE - 1n)
    const proofs = [...(await Promise.all(good.map((buyer) => proofFrom(buyer)))), await proofFrom(poor!)]
    proxy.loseNextSendAnswer({ thenCut: true })
    const outcomes = await Promise.all(proofs.map((p) => settleAuthorization(b.terms, p)))
    for (const o of outcomes) expect(o).toMatchObject({ ok: false, status: 503, reason: 'settlement_unknown', broadcast: true, transaction: expect.stringMatching(/^0x/) })
    const transaction = (outcomes[0] as { transaction: Hex }).transaction
    expect(new Set(outcomes.map((o) => (o as { transaction: string }).transaction)).size).toBe(1)
    // The batch reached the chain (anvil mined it): the good ones were charged, the poor one was not.
    proxy.restore()
    const states = await Promise.all(proofs.map((p) => b.terms.chain.checkAuthorization(chain.token, p.authorization.from, p.authorization.nonce, transaction as Hex)))
    expect(states.slice(0, 3)).toEqual([0, 1, 2].map(() => ({ state: 'settled', transaction })))
    expect(states[3]).toEqual({ state: 'open' })
    for (const buyer of good) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await chain.balanceOf(poor!.address)).toBe(PRICE - 1n)
    expect(await usedFor([...good, poor!])).toBe(3)
  })

  it('dropped by the node: the same signed batch is sent again (no new transaction), mined once, every payment settled once', async () => {
    const b = await batched({ receiptTimeoutMs: 20_000 })
    const buyers = await buyersOf(3)
    const proofs = await Promise.all(buyers.map((buyer) => proofFrom(buyer)))
    await rpcOf(chain)('evm_setAutomine', [false])
    let outcomes: Awaited<ReturnType<typeof settleAuthorization>>[]
    try {
      const settling = Promise.all(proofs.map((p) => settleAuthorization(b.terms, p)))
      const pooled = await eventually(async () => {
        const content = await rpcOf(chain)<{ pending: Record<string, Record<string, { hash: Hex }>> }>('txpool_content')
        const mine = Object.entries(content.pending).find(([from]) => from.toLowerCase() === b.address.toLowerCase())?.[1]
        return mine ? Object.values(mine)[0]?.hash : undefined
      }, 'the batch in the pool')
      await rpcOf(chain)('anvil_dropTransaction', [pooled])
      // The settler's ledger finds it lost and sends the same bytes again; then it is mined.
      await eventually(async () => b.logger.lines.some((l) => /lost a settlement transaction/.test(l.message)), 'the re-send')
      await rpcOf(chain)('evm_mine')
      outcomes = await settling
      expect(outcomes.every((o) => o.ok && o.transaction === pooled)).toBe(true)
    } finally {
      await rpcOf(chain)('evm_setAutomine', [true])
    }
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await usedFor(buyers)).toBe(3)
    expect(await sent(b.address)).toBe(1)
  })
})

describe('batching in a pool', () => {
  it('settlerPool of batched members: each member batches its share; every payment settled once', async () => {
    const members = await Promise.all([batched(), batched()])
    const pool = settlerPool(members.map((m) => m.settler))
    const network = new NetworkRegistry([{ name: 'base-sepolia', asset: chain.tokenInfo }]).resolve('base-sepolia')
    const terms: ChainTerms = { network, token: chain.tokenInfo, amount: PRICE, payTo: chain.accounts.seller.address, chain: pool.connect(network) }
    const buyers = await buyersOf(8)
    const outcomes = await Promise.all((await Promise.all(buyers.map((buyer) => proofFrom(buyer)))).map((p) => settleAuthorization(terms, p)))
    expect(outcomes.every((o) => o.ok)).toBe(true)
    expect(new Set(outcomes.map((o) => (o.ok ? o.transaction : ''))).size).toBe(2)
    expect((await sent(members[0]!.address)) + (await sent(members[1]!.address))).toBe(2)
    expect(await usedFor(buyers)).toBe(8)
  })
})
