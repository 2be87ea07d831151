/**
 * A Solana route through the chain-neutral core, without a chain: its 402 offers both generations
 * beside an EVM option, bad payments are 402 with reasons (never a 500, never a pass), a payment
 * whose RPC cannot be reached is 503 with nothing claimed for good, and the configuration says what
 * is missing. The RPC endpoint is a closed port on purpose (connection refused).
 */
import { createServer } from 'node:net'
import { describe, expect, it, beforeAll } from 'vitest'
import { createTollgate, encodeJsonHeader, localSettler, memoryStore, type PaymentDecision, type RequestLike } from '../../src/index.js'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { Reason } from '../../src/errors/reasons.js'
import { officialPayment, parties, type Parties } from '../solana-core/build-payment.js'

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'
const EVM_PAY_TO = '0x1111111111111111111111111111111111111111'
let closedRpc: string
let p: Parties

beforeAll(async () => {
  p = await parties()
  // A port that was free a moment ago and is closed now: connections to it are refused.
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  closedRpc = `http://127.0.0.1:${(server.address() as { port: number }).port}/secret-api-key`
  await new Promise((resolve) => server.close(resolve))
})

function request(headers: Record<string, string> = {}): RequestLike {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: (name) => lower[name.toLowerCase()] ?? null } }
}

function settler(more: Record<string, unknown> = {}) {
  return solanaSettler({ secretKey: secretOf(p), rpcUrl: closedRpc, rpcTimeoutMs: 1_000, checkOnStart: false, ...more })
}

function secretOf(p: Parties): Uint8Array {
  return p.feePayerSecret
}

function gateOf(accepts: object[], config: Record<string, unknown> = {}) {
  const core = createTollgate({ payTo: { solana: p.payTo.address, evm: EVM_PAY_TO }, settler: { solana: settler() }, store: memoryStore(), ...config } as never)
  return core.route({ accepts } as never)
}

const solanaOption = (more: object = {}) => ({ amount: { atomic: p.amount.toString() }, network: DEVNET, asset: { address: p.mint, decimals: 6 }, ...more })

function body(decision: PaymentDecision): Record<string, unknown> {
  if (decision.type === 'pass' || decision.type === 'preflight') throw new Error(`expected an answer, got ${decision.type}`)
  return decision.body as Record<string, unknown>
}

async function v2Payment(wire: string, accepted: Record<string, unknown>): Promise<RequestLike> {
  return request({ 'payment-signature': encodeJsonHeader({ x402Version: 2, resource: { url: 'http://127.0.0.1/data' }, accepted, payload: { transaction: wire } }) })
}

async function requirementOf(gate: ReturnType<typeof gateOf>, network = DEVNET): Promise<Record<string, unknown>> {
  const challenge = await gate.evaluate(request())
  if (challenge.type !== 'challenge') throw new Error('expected a challenge')
  const header = JSON.parse(atob(challenge.headers['payment-required']!)) as { accepts: Record<string, unknown>[] }
  return header.accepts.find((a) => a.network === network)!
}

describe('a Solana route', () => {
  it('offers v1 and v2 entries beside an EVM option: mint, owner wallet, the fee payer in extra, and the memo', async () => {
    const evm = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: closedRpc })
    const gate = gateOf([solanaOption({ memo: 'invoice-7' }), { amount: '0.01', network: 'base-sepolia' }], { settler: { solana: settler(), evm } })
    const challenge = await gate.evaluate(request())
    expect(challenge.type).toBe('challenge')
    const v1 = body(challenge).accepts as Record<string, unknown>[]
    expect(v1.map((a) => a.network)).toEqual(['solana-devnet', 'base-sepolia'])
    expect(v1[0]).toMatchObject({ scheme: 'exact', asset: p.mint, payTo: p.payTo.address, maxAmountRequired: p.amount.toString(), extra: { feePayer: p.feePayer.address, memo: 'invoice-7' } })
    const v2 = await requirementOf(gate)
    expect(v2).toMatchObject({ amount: p.amount.toString(), asset: p.mint, extra: { feePayer: p.feePayer.address } })
    // The RPC is down: the challenge is still answered, without a blockhash hint.
    expect(v2.extra).not.toHaveProperty('recentBlockhash')
  })

  it('takes the cluster USDC by default, priced in its 6 decimals', async () => {
    const gate = gateOf([{ amount: '0.25', network: 'solana' }])
    const v2 = await requirementOf(gate, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')
    expect(v2).toMatchObject({ asset: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', amount: '250000' })
  })

  it.each([
    ['not base64', 'not base64 at all!', Reason.svmUndecodable],
    ['no transaction', btoa('just some bytes that are no transaction'), Reason.svmUndecodable],
  ])('%s: 402 with the official reason', async (_label, wire, reason) => {
    const gate = gateOf([solanaOption()])
    const decision = await gate.evaluate(await v2Payment(wire, await requirementOf(gate)))
    expect(decision.type).toBe('reject')
    expect(decision.type === 'reject' && decision.status).toBe(402)
    expect(body(decision).error).toBe(reason)
  })

  it('another amount named in accepted: 402 amount mismatch before anything is claimed', async () => {
    const gate = gateOf([solanaOption()])
    const accepted = { ...(await requirementOf(gate)), amount: '1' }
    const decision = await gate.evaluate(await v2Payment(await officialPayment(p), accepted))
    expect(decision.type === 'reject' && decision.status).toBe(402)
    expect(body(decision).error).toBe(Reason.svmAmountMismatch)
  })

  it('a transaction paying one unit short: 402 amount mismatch', async () => {
    const gate = gateOf([solanaOption()])
    const short = await officialPayment({ ...p, amount: p.amount - 1n })
    const decision = await gate.evaluate(await v2Payment(short, await requirementOf(gate)))
    expect(decision.type === 'reject' && decision.status).toBe(402)
    expect(body(decision).error).toBe(Reason.svmAmountMismatch)
  })

  it('a sound transaction while the RPC is down: 503 chain_unavailable, no URL in the answer, and the claim is freed', async () => {
    const gate = gateOf([solanaOption()])
    const payment = await v2Payment(await officialPayment(p), await requirementOf(gate))
    for (let i = 0; i < 2; i++) {
      const decision = await gate.evaluate(payment)
      expect(decision.type === 'reject' && decision.status).toBe(503)
      const text = JSON.stringify(body(decision))
      expect(JSON.parse(text).error).toBe(Reason.chainUnavailable)
      expect(text).not.toContain('secret-api-key')
      expect(text).not.toContain(closedRpc)
    }
  })

  it('claims the message hash and the buyer signature', async () => {
    const gate = gateOf([solanaOption()])
    const keys = gate.identify(await v2Payment(await officialPayment(p), await requirementOf(gate)))
    expect(keys).toHaveLength(2)
    expect(keys!.some((k) => /^x402:svm:msg:[0-9a-f]{64}$/.test(k))).toBe(true)
    expect(keys!.some((k) => k.startsWith('x402:svm:sig:'))).toBe(true)
  })

  it('a Solana payment at an EVM-only route and an EVM payment at a Solana-only route: 402 invalid_network', async () => {
    const evm = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: closedRpc })
    const evmOnly = createTollgate({ payTo: EVM_PAY_TO, settler: evm, store: memoryStore() }).route({ amount: '0.01', network: 'base-sepolia' })
    const solanaGate = gateOf([solanaOption()])
    const solanaPayment = await v2Payment(await officialPayment(p), await requirementOf(solanaGate))
    const atEvm = await evmOnly.evaluate(solanaPayment)
    expect(atEvm.type === 'reject' && atEvm.status).toBe(402)
    expect(body(atEvm).error).toBe(Reason.invalidNetwork)
    const evmPayment = request({ 'payment-signature': encodeJsonHeader({ x402Version: 2, resource: { url: 'http://127.0.0.1/data' }, accepted: { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo: EVM_PAY_TO, maxTimeoutSeconds: 300 }, payload: { signature: '0x', authorization: {} } }) })
    const atSolana = await solanaGate.evaluate(evmPayment)
    expect(atSolana.type === 'reject' && atSolana.status).toBe(402)
    expect(body(atSolana).error).toBe(Reason.invalidNetwork)
  })
})

describe('configuration', () => {
  const problems = (fn: () => unknown): string => {
    try {
      fn()
      return ''
    } catch (error) {
      return String((error as Error).message)
    }
  }

  it('a Solana option without a Solana settler says what to add', () => {
    const evm = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: closedRpc })
    const core = createTollgate({ payTo: { evm: EVM_PAY_TO, solana: p.payTo.address }, settler: evm, store: memoryStore() })
    expect(problems(() => core.route(solanaOption() as never))).toMatch(/Solana payments need settler: solanaSettler/)
  })

  it('bad settler options, a bad mint and a bad memo are listed, never echoing the key', () => {
    expect(problems(() => solanaSettler({ secretKey: 'short', rpcUrl: 'ftp://x' }))).toMatch(/secretKey must be 64 bytes[\s\S]*rpcUrl must be an http/)
    expect(problems(() => solanaSettler({ secretKey: secretOf(p), rpcUrl: closedRpc, maxComputeUnits: -1 }))).toMatch(/maxComputeUnits must be a positive integer/)
    const gate = () => gateOf([solanaOption({ asset: { address: 'nope', decimals: 99 } })])
    expect(problems(gate)).toMatch(/asset address "nope" is not a Solana address[\s\S]*decimals must be an integer between 0 and 18/)
    expect(problems(() => gateOf([solanaOption({ memo: 'x'.repeat(300) })]))).toMatch(/memo must be a string of 1 to 256 bytes/)
    expect(problems(() => gateOf([solanaOption({ payTo: '0x1111111111111111111111111111111111111111' })]))).toMatch(/is not a Solana address/)
  })

  it('payTo per family and settler per family are checked', () => {
    const given = (config: object) => problems(() => createTollgate({ store: memoryStore(), ...config } as never))
    expect(given({ payTo: { evm: 'nope' }, settler: settler() })).toMatch(/payTo.evm "nope" is not an EVM address/)
    expect(given({ payTo: { sol: p.payTo.address }, settler: settler() })).toMatch(/payTo: unknown option "sol"/)
    expect(given({ payTo: p.payTo.address, settler: { solana: {} } })).toMatch(/settler.solana must be solanaSettler/)
    expect(given({ payTo: p.payTo.address, settler: settler() })).toBe('')
  })
})

describe('memo per request', () => {
  it('a memo function puts each request its own memo, and a payment carrying another is refused', async () => {
    const gate = gateOf([solanaOption({ memo: (ctx: { header(name: string): string | null }) => `invoice-${ctx.header('x-invoice') ?? 'none'}` })])
    const challenge = async (invoice: string) => {
      const answer = await gate.evaluate(request({ 'x-invoice': invoice }))
      if (answer.type !== 'challenge') throw new Error('expected a challenge')
      return (JSON.parse(atob(answer.headers['payment-required']!)) as { accepts: { extra: { memo?: string } }[] }).accepts[0]!
    }
    expect((await challenge('7')).extra.memo).toBe('invoice-7')
    expect((await challenge('8')).extra.memo).toBe('invoice-8')
    const offer = (await challenge('7')) as unknown as Record<string, unknown>
    const wire = await officialPayment(p, 'invoice-8')
    const header = encodeJsonHeader({ x402Version: 2, resource: { url: 'http://127.0.0.1/data' }, accepted: offer, payload: { transaction: wire } })
    const decision = await gate.evaluate(request({ 'x-invoice': '7', 'payment-signature': header }))
    expect(decision.type === 'reject' && decision.status).toBe(402)
    expect(body(decision).error).toBe(Reason.svmMemoMismatch)
  })

  it('payees differing only in letter case are different Solana payees', async () => {
    const other = p.payTo.address.toLowerCase() === p.payTo.address ? p.payTo.address.toUpperCase() : p.payTo.address.toLowerCase()
    const gate = gateOf([solanaOption({ payTo: (ctx: { header(name: string): string | null }) => (ctx.header('x-upper') ? other : p.payTo.address) })])
    const payToOf = async (headers: Record<string, string>) => {
      const answer = await gate.evaluate(request(headers))
      return answer.type === 'challenge' ? (JSON.parse(atob(answer.headers['payment-required']!)) as { accepts: { payTo: string }[] }).accepts[0]?.payTo : `${answer.type}`
    }
    expect(await payToOf({})).toBe(p.payTo.address)
    // The other spelling is (almost surely) no valid address: refused as the seller's mistake, never served the first payee's terms.
    expect(await payToOf({ 'x-upper': '1' })).not.toBe(p.payTo.address)
  })
})
