/**
 * Verification alone, in-process: tollgate's whole local check of one EIP-3009 proof (header
 * decoding, schema, requirement matching, EIP-712 signature, time window, amount) against viem's
 * bare `recoverTypedDataAddress` on the same typed data. Chain reads are excluded: the chain
 * access answers from memory, the same for every iteration.
 */
import { recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { evmExact, NetworkRegistry, type EvmChain, type EvmSettler, type RequestLike } from '../src/index.js'
import { authorizationTypedData } from '../src/chains/evm/exact/typed-data.js'
import { nativeRecovery } from '../src/chains/evm/exact/recover-signer.js'
import { readPayment } from '../src/protocol/read-payment.js'

const token = { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' as Address, name: 'USDC', version: '2', decimals: 6 }
const payTo = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address
const buyer = privateKeyToAccount(`0x${'42'.repeat(32)}`)

/** Chain reads answered from memory: this scenario measures verification, not RPC. */
const memoryChain = (network: EvmChain['network']): EvmChain => ({
  network,
  readAuthorizationState: async () => ({ nonceUsed: false, balance: 10n ** 12n }),
  isContract: async () => false,
  checkAuthorization: async () => ({ state: 'open' as const }),
  verifyTypedDataOnChain: async () => false,
  transferWithAuthorization: async () => ({ ok: false, stage: 'unavailable', broadcast: false, detail: 'not in this benchmark' }),
})
const settler: EvmSettler = { address: payTo, connect: memoryChain }

export interface VerificationResult {
  tollgatePerSecond: number
  recoverPerSecond: number
  /** Whether the native recovery loaded (the fast path) or the pure-JS fallback was measured. */
  native: boolean
}

export async function measureVerification(seconds: number): Promise<VerificationResult> {
  const method = evmExact({ network: 'base-sepolia', amount: '0.10', asset: token }).build({
    payTo,
    settler,
    registry: new NetworkRegistry(),
  })
  const now = BigInt(Math.floor(Date.now() / 1000))
  const authorization = { from: buyer.address, to: payTo, value: 100_000n, validAfter: 0n, validBefore: now + 3_600n, nonce: `0x${'07'.repeat(32)}` as Hex }
  const typedData = authorizationTypedData(token, 84532, authorization)
  const signature = await buyer.signTypedData(typedData)
  const wire = {
    x402Version: 2,
    accepted: { scheme: 'exact', network: 'eip155:84532', asset: token.address, amount: '100000', payTo, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } },
    payload: { signature, authorization: Object.fromEntries(Object.entries(authorization).map(([k, v]) => [k, String(v)])) },
  }
  const header = Buffer.from(JSON.stringify(wire)).toString('base64')
  const request: RequestLike = { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: (n) => (n === 'payment-signature' ? header : null) } }

  const requirement = method.requirement({ url: request.url, description: '', mimeType: 'application/json' }, 300)
  const tollgateOnce = async () => {
    const read = readPayment(request)
    if (read.kind !== 'payment') throw new Error('payment not read')
    const inspection = method.inspect(read.envelope, Date.now())
    if (inspection.kind !== 'match') throw new Error(`not matched: ${inspection.kind}`)
    const verification = await method.verify(inspection.proof, read.envelope, Date.now(), requirement)
    if (!verification.ok) throw new Error(`not verified: ${verification.reason}`)
  }
  const recoverOnce = async () => {
    const signer = await recoverTypedDataAddress({ ...typedData, signature })
    if (signer !== buyer.address) throw new Error('recovery failed')
  }

  // Interleaved rounds, so drift in the machine's speed falls on both alike.
  let tollgateOps = 0
  let tollgateMs = 0
  let recoverOps = 0
  let recoverMs = 0
  const roundMs = 250
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed += 2 * roundMs) {
    ;[tollgateOps, tollgateMs] = await run(tollgateOnce, roundMs, tollgateOps, tollgateMs)
    ;[recoverOps, recoverMs] = await run(recoverOnce, roundMs, recoverOps, recoverMs)
  }
  const tollgatePerSecond = (tollgateOps / tollgateMs) * 1000
  const recoverPerSecond = (recoverOps / recoverMs) * 1000
  return { tollgatePerSecond, recoverPerSecond, native: (await nativeRecovery()) !== undefined }
}

async function run(once: () => Promise<void>, forMs: number, ops: number, ms: number): Promise<[number, number]> {
  const start = performance.now()
  let n = 0
  while (performance.now() - start < forMs) {
    await once()
    n++
  }
  return [ops + n, ms + (performance.now() - start)]
}
