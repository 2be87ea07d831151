/**
 * Properties of the Solana payment decoder and checks: arbitrary input never throws and never
 * passes, and a sound payment with any byte of its message or buyer signature changed never passes.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Address } from '@solana/kit'
import { solanaNetworkOf, SPL_TOKEN_PROGRAM } from '../../src/chains/solana/solana-networks.js'
import { checkPaymentTransaction } from '../../src/chains/solana/transaction-checks.js'
import { decodePaymentTransaction } from '../../src/chains/solana/wire-transaction.js'
import { inspectSolanaPayment } from '../../src/chains/solana/inspect-payment.js'
import { officialPayment, parties, type Parties } from '../solana-core/build-payment.js'

const CAPS = { maxComputeUnits: 100_000, maxPriorityFeeMicroLamports: 100_000n }
let p: Parties
let sound: Uint8Array

beforeAll(async () => {
  p = await parties()
  sound = Uint8Array.from(atob(await officialPayment(p, 'fixed-memo')), (c) => c.charCodeAt(0))
})

const terms = () => ({ network: solanaNetworkOf('solana-devnet')!, mint: p.mint, decimals: 6, tokenProgram: SPL_TOKEN_PROGRAM as Address, amount: p.amount, payTo: p.payTo.address })
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

async function passes(payload: unknown): Promise<boolean> {
  const decoded = decodePaymentTransaction(payload)
  if (!decoded.ok) return false
  return (await checkPaymentTransaction(decoded.transaction, terms(), p.feePayer.address, async () => p.destination, CAPS)).ok
}

describe('the Solana payment decoder', () => {
  it('never throws and never passes on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1300 }), async (bytes) => {
        expect(await passes({ transaction: base64(bytes) })).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on arbitrary payloads, and inspection of them never matches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (payload) => {
        expect(await passes(payload)).toBe(false)
        const inspected = inspectSolanaPayment(terms(), { x402Version: 1, scheme: 'exact', network: 'solana-devnet', payload })
        expect(inspected.kind).toBe('mismatch')
      }),
      { numRuns: 300 },
    )
  })

  it('the sound payment passes, and any change to its buyer signature or message bytes does not', async () => {
    expect(await passes({ transaction: base64(sound) })).toBe(true)
    // Byte 0 is the signature count, bytes 1..64 the fee payer's empty slot (tollgate overwrites it).
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 65, max: sound.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const changed = Uint8Array.from(sound)
        changed[at]! ^= xor
        expect(await passes({ transaction: base64(changed) })).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('truncated or extended sound payments never pass', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: sound.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (cut, tail) => {
        expect(await passes({ transaction: base64(sound.subarray(0, cut)) })).toBe(false)
        expect(await passes({ transaction: base64(Uint8Array.from([...sound, ...tail])) })).toBe(false)
      }),
      { numRuns: 200 },
    )
  })
})
