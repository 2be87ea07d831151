import fc from 'fast-check'
import { hashTypedData, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { authorizationDigest, nativeRecovery, recoverSignerWith } from '../../src/chains/evm/exact/recover-signer.js'
import { authorizationTypedData } from '../../src/chains/evm/exact/typed-data.js'

// Tokens always have a version (tokenProblems refuses an empty one); viem drops an empty version from the domain.
const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`
const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const privateKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => {
  const k = BigInt(hex(b))
  return k > 0n && k < secp256k1Order
})
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hex(b) as Address)
const uint256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })
const token = fc.record({ address, name: fc.string({ maxLength: 24 }), version: fc.string({ minLength: 1, maxLength: 8 }) })
const authorization = fc.record({
  from: address,
  to: address,
  value: uint256,
  validAfter: uint256,
  validBefore: uint256,
  nonce: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
})
const chainId = fc.integer({ min: 1, max: 2 ** 40 })

describe('EIP-3009 signer recovery', () => {
  it('loads libsecp256k1 on this machine (the fast path CI measures)', async () => {
    expect(typeof (await nativeRecovery())).toBe('function')
  })

  it('computes the same EIP-712 digest as viem for any token, chain and authorization', () => {
    fc.assert(
      fc.property(token, chainId, authorization, (t, id, a) => {
        expect(hex(authorizationDigest(t, id, a)!)).toBe(hashTypedData(authorizationTypedData(t, id, a)))
      }),
      { numRuns: 200 },
    )
  })

  it('refuses values outside uint256 instead of hashing them', () => {
    const a = { from: `0x${'11'.repeat(20)}` as Address, to: `0x${'22'.repeat(20)}` as Address, value: 1n << 256n, validAfter: 0n, validBefore: 1n, nonce: `0x${'00'.repeat(32)}` as Hex }
    expect(authorizationDigest({ address: a.to, name: 'USDC', version: '2' }, 1, a)).toBeUndefined()
    expect(authorizationDigest({ address: a.to, name: 'USDC', version: '2' }, 1, { ...a, value: -1n })).toBeUndefined()
  })

  it('recovers the signer exactly as viem does, natively and in pure JS, for genuine and tampered signatures', async () => {
    const native = await nativeRecovery()
    await fc.assert(
      fc.asyncProperty(privateKey, token, chainId, authorization, fc.nat({ max: 129 }), fc.nat({ max: 255 }), async (key, t, id, a, position, byte) => {
        const account = privateKeyToAccount(hex(key))
        const typedData = authorizationTypedData(t, id, { ...a, from: account.address })
        const signature = await account.signTypedData(typedData)
        const digest = authorizationDigest(t, id, { ...a, from: account.address })!
        expect(await recoverSignerWith(native, digest, signature)).toBe(account.address.toLowerCase())
        expect(await recoverSignerWith(undefined, digest, signature)).toBe(account.address.toLowerCase())
        // One hex digit changed anywhere (r, s or v): both paths agree with viem, address or nothing.
        const digit = (parseInt(signature[2 + position]!, 16) + 1 + (byte % 15)) % 16
        const tampered = `${signature.slice(0, 2 + position)}${digit.toString(16)}${signature.slice(3 + position)}` as Hex
        const expected = await recoverTypedDataAddress({ ...typedData, signature: tampered }).then((x) => x.toLowerCase(), () => undefined)
        expect(await recoverSignerWith(native, digest, tampered)).toBe(expected)
        expect(await recoverSignerWith(undefined, digest, tampered)).toBe(expected)
      }),
      { numRuns: 60 },
    )
  })

  it('accepts v as 27/28 or 0/1 and nothing else', async () => {
    const account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
    const a = { from: account.address, to: `0x${'22'.repeat(20)}` as Address, value: 5n, validAfter: 0n, validBefore: 10n, nonce: `0x${'07'.repeat(32)}` as Hex }
    const t = { address: `0x${'33'.repeat(20)}` as Address, name: 'USDC', version: '2' }
    const signature = await account.signTypedData(authorizationTypedData(t, 84532, a))
    const digest = authorizationDigest(t, 84532, a)!
    const v = parseInt(signature.slice(130), 16)
    const withV = (value: number) => `${signature.slice(0, 130)}${value.toString(16).padStart(2, '0')}` as Hex
    const native = await nativeRecovery()
    for (const recover of [native, undefined]) {
      expect(await recoverSignerWith(recover, digest, withV(v - 27))).toBe(account.address.toLowerCase())
      expect(await recoverSignerWith(recover, digest, withV(v))).toBe(account.address.toLowerCase())
      expect(await recoverSignerWith(recover, digest, withV(v + 2))).toBeUndefined()
      expect(await recoverSignerWith(recover, digest, `${signature}00` as Hex)).toBeUndefined()
    }
  })
})
