import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCharge } from '../../src/chains/evm/upto/upto-charge.js'

describe('parseCharge (upto): atomic units, dollars, percentages of the maximum', () => {
  it('reads each form exactly', () => {
    expect(parseCharge('1234567', 3_000_000n, 6)).toEqual({ ok: true, amount: 1_234_567n })
    expect(parseCharge(7n, 10n, 6)).toEqual({ ok: true, amount: 7n })
    expect(parseCharge('$0.05', 1_000_000n, 6)).toEqual({ ok: true, amount: 50_000n })
    expect(parseCharge('$1.005', 2_000_000n, 6)).toEqual({ ok: true, amount: 1_005_000n })
    expect(parseCharge('50%', 3_000_001n, 6)).toEqual({ ok: true, amount: 1_500_000n })
    expect(parseCharge('12.5%', 500_000n, 6)).toEqual({ ok: true, amount: 62_500n })
    expect(parseCharge('0', 10n, 6)).toEqual({ ok: true, amount: 0n })
  })

  it('refuses what is not an amount up to the maximum', () => {
    for (const input of ['0.5', '-1', '1e3', '$0.0000001', '100.01%', '101%', '1.234%', '', ' 5', 5, null, undefined, {}]) {
      expect(parseCharge(input, 1_000_000n, 6).ok).toBe(false)
    }
    expect(parseCharge('1000001', 1_000_000n, 6)).toEqual({ ok: false, problem: expect.stringContaining('above the maximum') })
    expect(parseCharge(-1n, 10n, 6).ok).toBe(false)
  })

  it('property: a percentage never exceeds the maximum and is monotone', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (max, a, b) => {
        const text = (h: number) => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}%`
        const x = parseCharge(text(Math.min(a, b)), max, 6)
        const y = parseCharge(text(Math.max(a, b)), max, 6)
        if (!x.ok || !y.ok) return false
        return x.amount <= y.amount && y.amount <= max && y.amount === (max * BigInt(Math.max(a, b))) / 10_000n
      }),
    )
  })

  it('property: atomic and dollar forms agree, and the result is never above the maximum', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 0n, max: 10n ** 24n }), (amount, max) => {
        const whole = amount / 1_000_000n
        const fraction = (amount % 1_000_000n).toString().padStart(6, '0')
        const atomic = parseCharge(amount.toString(), max, 6)
        const dollars = parseCharge(`$${whole}.${fraction}`, max, 6)
        if (amount > max) return !atomic.ok && !dollars.ok
        return atomic.ok && dollars.ok && atomic.amount === amount && dollars.amount === amount
      }),
    )
  })
})
