/**
 * What push binding costs, measured in-process (chain reads answered from memory, the same for
 * every iteration): the buyer's extra signature (EIP-191 on EVM, Ed25519 on Solana), the header's
 * extra bytes, and the seller's verification rate with binding 'signature' against 'none'.
 * Run: npx tsx bench/push-binding.ts
 */
import { getBase58Decoder, signBytes } from '@solana/kit'
import { getAddress, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { NetworkRegistry, pushBindingMessage, type PushReading } from '../src/index.js'
import { EvmPushChain } from '../src/chains/evm/push/evm-push-chain.js'
import { resolveTerms } from '../src/chains/evm/exact/evm-terms.js'
import { PushMethod, type PushProof } from '../src/push/push-method.js'

const token = { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' as Address, name: 'USDC', version: '2', decimals: 6 }
const payTo = getAddress('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC')
const buyer = privateKeyToAccount(`0x${'42'.repeat(32)}`)
const hash = `0x${'ab'.repeat(32)}`
const resource = 'https://api.example.com/data'

/** The receipt as the chain would give it: one Transfer of the price from the buyer to payTo. */
class MemoryChain extends EvmPushChain {
  override async read(): Promise<PushReading> {
    return { state: 'confirmed', timestamp: Math.floor(Date.now() / 1000), credits: [{ asset: token.address, to: payTo, from: [buyer.address], amount: 100_000n }] }
  }
}

async function rate(seconds: number, run: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000
  let n = 0
  const start = performance.now()
  while (performance.now() < end) {
    await run()
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 3)
  const terms = resolveTerms({ network: 'base-sepolia', amount: '0.10', asset: token }, { payTo, registry: new NetworkRegistry() })
  const chain = new MemoryChain(terms, { client: undefined as never, confirmations: 1, blockTimeSeconds: 2 })
  const message = pushBindingMessage({ chain: 'eip155:84532', transaction: hash, method: 'GET', resource })
  const signature = await buyer.signMessage({ message })
  const requirement = { v2: { scheme: 'push', network: 'eip155:84532', asset: token.address, amount: '100000', payTo, maxTimeoutSeconds: 300, extra: { resource } } }
  const envelope = { x402Version: 2 as const, scheme: 'push', network: '', payload: {} }
  const proof = (withSignature: boolean): PushProof => ({ hash, httpMethod: 'GET', credentials: { txHash: hash, ...(withSignature ? { signature } : {}) } })
  const bound = new PushMethod(chain, { maxAgeSeconds: 900, binding: 'signature' })
  const open = new PushMethod(chain, { maxAgeSeconds: 900, binding: 'none' })
  if (!(await bound.verify(proof(true), envelope, Date.now(), requirement)).ok) throw new Error('the bound proof must verify')

  const evmSign = await rate(seconds, () => buyer.signMessage({ message }))
  const solPrivate = await crypto.subtle.importKey('pkcs8', pkcs8(crypto.getRandomValues(new Uint8Array(32))), 'Ed25519', false, ['sign'])
  const solMessage = new TextEncoder().encode(message)
  const solSign = await rate(seconds, () => signBytes(solPrivate, solMessage))
  const withBinding = await rate(seconds, () => bound.verify(proof(true), envelope, Date.now(), requirement))
  const without = await rate(seconds, () => open.verify(proof(false), envelope, Date.now(), requirement))
  const bare = `x402 ${hash}`
  const structured = `x402 tx_hash="${hash}" chain="base-sepolia" signature="${signature}"`
  const solSignature = getBase58Decoder().decode(await signBytes(solPrivate, solMessage))
  console.log(JSON.stringify({
    buyer: { evmSignaturesPerSecond: Math.round(evmSign), evmMsPerSignature: +(1000 / evmSign).toFixed(3), solanaSignaturesPerSecond: Math.round(solSign), solanaMsPerSignature: +(1000 / solSign).toFixed(3) },
    headerBytes: { bare: bare.length, boundEvm: structured.length, boundSolanaSignatureChars: solSignature.length },
    seller: { verifyPerSecondBound: Math.round(withBinding), verifyPerSecondUnbound: Math.round(without), ratio: +(withBinding / without).toFixed(3) },
  }, null, 2))
}

/** A PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), for WebCrypto's importKey. */
function pkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
  return new Uint8Array([...prefix, ...seed])
}

await main()
