/**
 * The Solana stand-in behaves like a cluster where x402 code can tell (a resend is dropped, a failed
 * transaction lands with err and pays its fee, an expired blockhash is provable, token balances
 * come back in getTransaction), and the official @x402/svm stack (client, facilitator, seller)
 * pays through it, which is what makes the stand-in a fair judge of tollgate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireSvmClientOrSkip, runSvmBuyer, startOfficialSvmFacilitator, startOfficialSvmSeller, type ChildServer, type OfficialSvmFacilitator } from '../support/solana/official.js'
import { spawnSolanaStandIn } from '../support/solana/spawn.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'
import { paymentTransaction, rpc } from '../support/solana/transfer.js'

const BASE58_SIGNATURE = /^[1-9A-HJ-NP-Za-km-z]{64,88}$/

type Status = { value: ({ err: unknown; confirmationStatus: string } | null)[] }
type Sim = { value: { err: unknown; logs: string[] } }
type Tx = { meta: { err: unknown; fee: number; preTokenBalances: TokenBalance[]; postTokenBalances: TokenBalance[] } }
type TokenBalance = { owner: string; mint: string; uiTokenAmount: { amount: string; decimals: number } }

let sol: SolanaStandIn
beforeAll(async () => {
  sol = await startSolanaStandIn()
})
afterAll(async () => {
  await sol?.stop()
})

describe('the stand-in as a cluster', () => {
  it('a buyer gets an ATA holding exactly what was minted; a seller without ATA has none', async () => {
    const buyer = await sol.fundBuyer({ amount: 1_234_567n })
    expect(await sol.tokenBalance(buyer.address)).toBe(1_234_567n)
    expect(await sol.solBalance(buyer.address)).toBe(0n)
    const bare = await sol.newSeller({ ata: false })
    expect(await sol.tokenBalance(bare.address)).toBeNull()
    const info = await rpc<{ value: null }>(sol.url, 'getAccountInfo', [await sol.ataOf(bare.address), { encoding: 'base64' }])
    expect(info.value).toBeNull()
    const mint = await rpc<{ value: { owner: string; data: [string, string] } }>(sol.url, 'getAccountInfo', [sol.mint, { encoding: 'base64' }])
    expect(mint.value.owner).toBe(sol.tokenProgram)
    expect(Buffer.from(mint.value.data[0], 'base64')[44]).toBe(6)
  })

  it('a transfer lands once: a resend returns the same signature and moves nothing more; getTransaction carries fee and token balances', async () => {
    const buyer = await sol.fundBuyer({ amount: 50_000n })
    const seller = await sol.newSeller()
    const feeBefore = await sol.solBalance(sol.feePayer.address)
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 20_000n, feePayerKey: sol.feePayer })
    const signature = await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
    expect(signature).toMatch(BASE58_SIGNATURE)
    expect(await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])).toBe(signature)
    expect(await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64' }])).toBe(signature)
    expect(await sol.tokenBalance(buyer.address)).toBe(30_000n)
    expect(await sol.tokenBalance(seller.address)).toBe(20_000n)
    const statuses = await rpc<Status>(sol.url, 'getSignatureStatuses', [[signature, '1'.repeat(64)], { searchTransactionHistory: true }])
    expect(statuses.value).toEqual([expect.objectContaining({ err: null, confirmationStatus: 'confirmed' }), null])
    const tx = await rpc<Tx>(sol.url, 'getTransaction', [signature, { encoding: 'json', maxSupportedTransactionVersion: 0 }])
    expect(tx.meta.err).toBeNull()
    expect(BigInt(tx.meta.fee)).toBe(feeBefore - (await sol.solBalance(sol.feePayer.address)))
    expect(tx.meta.fee).toBe(10_001)
    const delta = (owner: string) =>
      BigInt(tx.meta.postTokenBalances.find((b) => b.owner === owner)!.uiTokenAmount.amount) -
      BigInt(tx.meta.preTokenBalances.find((b) => b.owner === owner)?.uiTokenAmount.amount ?? '0')
    expect(delta(buyer.address)).toBe(-20_000n)
    expect(delta(seller.address)).toBe(20_000n)
    expect((await sol.history()).filter((h) => h.signature === signature)).toHaveLength(1)
  })

  it('a real node refuses getTransaction of a v0 transaction without maxSupportedTransactionVersion', async () => {
    const buyer = await sol.fundBuyer({ amount: 10n })
    const seller = await sol.newSeller()
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 1n, feePayerKey: sol.feePayer })
    const signature = await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
    await expect(rpc(sol.url, 'getTransaction', [signature])).rejects.toMatchObject({ code: -32015 })
  })

  it('simulation without sigVerify accepts the empty fee-payer slot; sending it is a signature failure', async () => {
    const buyer = await sol.fundBuyer({ amount: 5_000n })
    const seller = await sol.newSeller()
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 5_000n })
    const sim = await rpc<Sim>(sol.url, 'simulateTransaction', [wire, { encoding: 'base64', sigVerify: false, commitment: 'confirmed' }])
    expect(sim.value.err).toBeNull()
    await expect(rpc(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])).rejects.toMatchObject({ code: -32003 })
    expect(await sol.tokenBalance(seller.address)).toBe(0n)
  })

  it('a missing seller ATA or a short balance fails simulation; sent anyway, it lands with err and charges only the fee', async () => {
    const buyer = await sol.fundBuyer({ amount: 5_000n })
    const bare = await sol.newSeller({ ata: false })
    const toBare = await paymentTransaction(sol, { buyer, payTo: bare.address, amount: 1_000n, feePayerKey: sol.feePayer })
    const sim = await rpc<Sim>(sol.url, 'simulateTransaction', [toBare, { encoding: 'base64' }])
    expect(sim.value.err).toEqual({ InstructionError: [2, 'InvalidAccountData'] })
    const seller = await sol.newSeller()
    const tooMuch = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 5_001n, feePayerKey: sol.feePayer })
    const short = await rpc<Sim>(sol.url, 'simulateTransaction', [tooMuch, { encoding: 'base64' }])
    expect(short.value.err).toEqual({ InstructionError: [2, { Custom: 1 }] })
    await expect(rpc(sol.url, 'sendTransaction', [tooMuch, { encoding: 'base64' }])).rejects.toMatchObject({ code: -32002 })
    const feeBefore = await sol.solBalance(sol.feePayer.address)
    const signature = await rpc<string>(sol.url, 'sendTransaction', [tooMuch, { encoding: 'base64', skipPreflight: true }])
    const status = await rpc<Status>(sol.url, 'getSignatureStatuses', [[signature]])
    expect(status.value[0]?.err).toEqual({ InstructionError: [2, { Custom: 1 }] })
    expect(await sol.tokenBalance(buyer.address)).toBe(5_000n)
    expect(await sol.solBalance(sol.feePayer.address)).toBe(feeBefore - 10_001n)
  })

  it('expireBlockhash: a transaction on the old blockhash fails simulation, is dropped when sent, and the height proves it', async () => {
    const buyer = await sol.fundBuyer({ amount: 5_000n })
    const seller = await sol.newSeller()
    const { value: old } = await rpc<{ value: { blockhash: string; lastValidBlockHeight: number } }>(sol.url, 'getLatestBlockhash')
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 5_000n, feePayerKey: sol.feePayer, blockhash: old.blockhash })
    const fresh = await sol.expireBlockhash()
    expect(fresh.blockhash).not.toBe(old.blockhash)
    expect((await rpc<Sim>(sol.url, 'simulateTransaction', [wire, { encoding: 'base64' }])).value.err).toBe('BlockhashNotFound')
    expect((await rpc<{ value: boolean }>(sol.url, 'isBlockhashValid', [old.blockhash])).value).toBe(false)
    expect(await rpc<number>(sol.url, 'getBlockHeight')).toBeGreaterThan(old.lastValidBlockHeight)
    const signature = await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
    expect((await rpc<Status>(sol.url, 'getSignatureStatuses', [[signature]])).value).toEqual([null])
    expect(await sol.tokenBalance(seller.address)).toBe(0n)
  })

  it('held confirmations: the signature comes back, the status stays null, nothing moves until release; a resend meanwhile is dropped', async () => {
    const buyer = await sol.fundBuyer({ amount: 5_000n })
    const seller = await sol.newSeller()
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 2_000n, feePayerKey: sol.feePayer })
    await sol.holdConfirmations()
    const signature = await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
    expect(await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])).toBe(signature)
    expect((await rpc<Status>(sol.url, 'getSignatureStatuses', [[signature]])).value).toEqual([null])
    expect(await sol.tokenBalance(seller.address)).toBe(0n)
    await sol.releaseConfirmations()
    expect((await rpc<Status>(sol.url, 'getSignatureStatuses', [[signature]])).value[0]).toMatchObject({ err: null })
    expect(await sol.tokenBalance(seller.address)).toBe(2_000n)
  })

  it('faults: a dropped call never runs, a lost answer still lands, 503 and node-behind answers, down and up', async () => {
    const buyer = await sol.fundBuyer({ amount: 5_000n })
    const seller = await sol.newSeller()
    const send = (wire: string) => rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
    await sol.failNext('sendTransaction', 'drop')
    await expect(send(await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 1_000n, feePayerKey: sol.feePayer }))).rejects.toThrow()
    expect(await sol.tokenBalance(seller.address)).toBe(0n)
    await sol.failNext('sendTransaction', 'lose-answer')
    await expect(send(await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 1_000n, feePayerKey: sol.feePayer }))).rejects.toThrow()
    expect(await sol.tokenBalance(seller.address)).toBe(1_000n)
    await sol.failNext('getLatestBlockhash', 'http-503')
    const res = await fetch(sol.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getLatestBlockhash' }) })
    expect(res.status).toBe(503)
    await sol.failNext('getSlot', 'rpc-error')
    await expect(rpc(sol.url, 'getSlot')).rejects.toMatchObject({ code: -32005 })
    await sol.setDown(true)
    await expect(rpc(sol.url, 'getSlot')).rejects.toThrow()
    await sol.setDown(false)
    expect(await rpc<number>(sol.url, 'getSlot')).toBeGreaterThan(0)
  })

  it('a Token-2022 mint works the same way', async () => {
    const mint = await sol.createMint({ tokenProgram: 'token-2022' })
    const buyer = await sol.fundBuyer({ amount: 3_000n, mint: mint.mint })
    const seller = await sol.newSeller({ mint: mint.mint })
    const wire = await paymentTransaction(sol, { buyer, payTo: seller.address, amount: 3_000n, feePayerKey: sol.feePayer, mint: mint.mint, tokenProgram: mint.tokenProgram })
    await rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64' }])
    expect(await sol.tokenBalance(seller.address, mint.mint)).toBe(3_000n)
    expect(await sol.tokenBalance(buyer.address, mint.mint)).toBe(0n)
  })
})

describe('the stand-in as a child process', () => {
  it('serves the same chain to two clients and dies with connection refused', async () => {
    const child = await spawnSolanaStandIn()
    try {
      const buyer = await child.fundBuyer({ amount: 700n })
      expect(await child.tokenBalance(buyer.address)).toBe(700n)
      const seller = await child.newSeller()
      const wire = await paymentTransaction(child, { buyer, payTo: seller.address, amount: 700n, feePayerKey: child.feePayer })
      await rpc(child.url, 'sendTransaction', [wire, { encoding: 'base64' }])
      expect(await child.tokenBalance(seller.address)).toBe(700n)
    } finally {
      await child.stop()
    }
    await expect(rpc(child.url, 'getSlot')).rejects.toThrow()
  })
})

const skipOfficial = requireSvmClientOrSkip('solana rig: official client')

describe.skipIf(skipOfficial)('the official @x402/svm stack pays through the stand-in', () => {
  let facilitator: OfficialSvmFacilitator
  let shop: ChildServer
  let seller: Awaited<ReturnType<SolanaStandIn['newSeller']>>
  beforeAll(async () => {
    seller = await sol.newSeller()
    facilitator = await startOfficialSvmFacilitator(sol.url, sol.feePayer)
    shop = await startOfficialSvmSeller({ facilitatorUrl: facilitator.url, rpcUrl: sol.url, payTo: seller.address, asset: sol.mint, amount: 10_000n })
  })
  afterAll(async () => {
    await shop?.stop()
    await facilitator?.stop()
  })

  it('official client → official seller → official facilitator: 200, base58 signature, exact deltas, fee paid by the fee payer', async () => {
    const buyer = await sol.fundBuyer()
    const before = { buyer: await sol.tokenBalance(buyer.address), seller: await sol.tokenBalance(seller.address), fee: await sol.solBalance(sol.feePayer.address) }
    const result = await runSvmBuyer(`${shop.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ content: 'PAID CONTENT' })
    expect(result.paymentResponse).toMatchObject({ success: true, network: sol.network, payer: buyer.address })
    const signature = String(result.paymentResponse!.transaction)
    expect(signature).toMatch(BASE58_SIGNATURE)
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer! - 10_000n)
    expect(await sol.tokenBalance(seller.address)).toBe(before.seller! + 10_000n)
    const tx = await rpc<Tx>(sol.url, 'getTransaction', [signature, { maxSupportedTransactionVersion: 0 }])
    expect(await sol.solBalance(sol.feePayer.address)).toBe(before.fee - BigInt(tx.meta.fee))
    expect(await facilitator.calls()).toMatchObject({ verify: 1, settle: 1 })
  })
})
