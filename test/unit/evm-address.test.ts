/**
 * The viem-free address helpers the core and the EVM hot path use (EIP-55, equality), held to
 * viem's own answers on arbitrary addresses in arbitrary case.
 */
import fc from 'fast-check'
import { getAddress, isAddress, isAddressEqual } from 'viem'
import { describe, expect, it } from 'vitest'
import { checksumAddress, isEvmAddress, sameAddress } from '../../src/config/evm-address.js'

const hexAddress = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => `0x${Buffer.from(bytes).toString('hex')}`)
const anyCase = (address: string, flips: boolean[]) => `0x${[...address.slice(2)].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('')}`
const casedAddress = fc.tuple(hexAddress, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 })).map(([a, flips]) => anyCase(a, flips))

describe('EVM address helpers without viem', () => {
  it('checksumAddress gives viem’s EIP-55 form for any address in any case, twice alike (cached)', () => {
    fc.assert(
      fc.property(casedAddress, (address) => {
        expect(checksumAddress(address)).toBe(getAddress(address.toLowerCase()))
        expect(checksumAddress(address)).toBe(getAddress(address.toLowerCase()))
      }),
      { numRuns: 300 },
    )
  })

  it('sameAddress agrees with viem’s isAddressEqual, and is false (never a throw) for non-addresses', () => {
    fc.assert(
      fc.property(casedAddress, casedAddress, fc.boolean(), (a, b, same) => {
        const other = same ? anyCase(a.toLowerCase(), [true, false]) : b
        expect(sameAddress(a, other)).toBe(isAddressEqual(a.toLowerCase() as `0x${string}`, other.toLowerCase() as `0x${string}`))
      }),
      { numRuns: 300 },
    )
    for (const bad of ['', '0x', '0x123', 'not an address', undefined, 42]) expect(sameAddress(bad, '0x0000000000000000000000000000000000000001')).toBe(false)
  })

  it('isEvmAddress takes what viem’s non-strict isAddress takes', () => {
    fc.assert(
      fc.property(fc.oneof(casedAddress, fc.string(), fc.string().map((s) => `0x${s}`)), (value) => {
        expect(isEvmAddress(value)).toBe(isAddress(value, { strict: false }))
      }),
      { numRuns: 300 },
    )
    expect(() => checksumAddress('0x12')).toThrow(TypeError)
  })
})
