import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, formatAmount, parseAmount } from '../../src/index.js'

describe('parseAmount: exact decimal money', () => {
  it('converts dollar and plain decimal strings to atomic units', () => {
    expect(parseAmount('0.10', 6)).toBe(100_000n)
    expect(parseAmount('$0.10', 6)).toBe(100_000n)
    expect(parseAmount('$0.001', 6)).toBe(1_000n)
    expect(parseAmount('1.005', 6)).toBe(1_005_000n) // the float answer would be 1004999.9999999999
    expect(parseAmount('12', 6)).toBe(12_000_000n)
    expect(parseAmount('0.000001', 6)).toBe(1n)
    expect(parseAmount('1.50000000', 6)).toBe(1_500_000n) // trailing zeros beyond the decimals are exact
  })

  it('takes atomic units as a bigint or { atomic }', () => {
    expect(parseAmount(100_000n, 6)).toBe(100_000n)
    expect(parseAmount({ atomic: '100000' }, 6)).toBe(100_000n)
    expect(parseAmount({ atomic: 7n }, 18)).toBe(7n)
  })

  it.each([
    ['0', 'below one atomic unit'],
    ['0.0000001', 'more precision'],
    ['-1', 'not a plain decimal'],
    ['1e-3', 'not a plain decimal'],
    ['1E3', 'not a plain decimal'],
    ['NaN', 'not a plain decimal'],
    ['Infinity', 'not a plain decimal'],
    ['', 'not a plain decimal'],
    ['1.', 'not a plain decimal'],
    ['.5', 'not a plain decimal'],
    ['0x10', 'not a plain decimal'],
    ['1,000', 'not a plain decimal'],
    ['$$1', 'not a plain decimal'],
    ['1 000', 'not a plain decimal'],
  ])('refuses %j (%s)', (text, message) => {
    expect(() => parseAmount(text, 6)).toThrow(ConfigurationError)
    expect(() => parseAmount(text, 6)).toThrow(message)
  })

  it('refuses numbers, negative and zero atomic amounts, and garbage objects', () => {
    expect(() => parseAmount(0.1 as never, 6)).toThrow(/not a number/)
    expect(() => parseAmount(-5n, 6)).toThrow(/below one atomic unit/)
    expect(() => parseAmount({ atomic: '0' }, 6)).toThrow(/below one atomic unit/)
    expect(() => parseAmount({ atomic: '1.5' }, 6)).toThrow(/string of digits/)
    expect(() => parseAmount({ atomic: 5 } as never, 6)).toThrow(/string of digits/)
    expect(() => parseAmount(null as never, 6)).toThrow(ConfigurationError)
    expect(() => parseAmount({ atomic: (1n << 256n).toString() }, 6)).toThrow(/uint256/)
  })

  it('property: formatting then parsing any positive atomic amount is the identity', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 200n) }), fc.integer({ min: 0, max: 36 }), (atomic, decimals) => {
        const text = formatAmount(atomic, decimals)
        expect(parseAmount(text, decimals)).toBe(atomic)
        expect(parseAmount(`$${text}`, decimals)).toBe(atomic)
      }),
    )
  })

  it('property: whole and fraction digits map to exactly whole * 10^d + fraction', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 1, max: 18 }).chain((d) => fc.tuple(fc.constant(d), fc.bigInt({ min: 0n, max: 10n ** BigInt(d) - 1n }))),
        (whole, [decimals, fraction]) => {
          fc.pre(whole > 0n || fraction > 0n)
          const text = `${whole}.${fraction.toString().padStart(decimals, '0')}`
          expect(parseAmount(text, decimals)).toBe(whole * 10n ** BigInt(decimals) + fraction)
        },
      ),
    )
  })

  it('property: arbitrary strings either parse to a positive amount or throw a ConfigurationError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          expect(parseAmount(text, 6)).toBeGreaterThan(0n)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError)
        }
      }),
    )
  })

  it('property: exponent notation and signs never parse', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (n) => {
        const text = n.toExponential()
        expect(() => parseAmount(text, 6)).toThrow(ConfigurationError)
      }),
    )
  })
})
