/** The count behind tollgate_payments_in_progress: PayerSlots' total is the sum of every payer's count, whatever the order of takes and gives. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PayerSlots } from '../../src/index.js'

describe('PayerSlots.total', () => {
  it('equals the sum of per-payer counts after any sequence of acquires and releases (refused acquires and surplus releases count nothing)', () => {
    const payers = ['0xAa', '0xaa', '0xBb', '0xCc']
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...payers)), { maxLength: 60 }), (steps) => {
        const slots = new PayerSlots(3)
        for (const [take, payer] of steps) {
          if (take) slots.acquire(payer)
          else slots.release(payer)
        }
        const sum = ['0xaa', '0xbb', '0xcc'].reduce((n, p) => n + slots.count(p), 0)
        expect(slots.total()).toBe(sum)
        expect(slots.total()).toBeGreaterThanOrEqual(0)
      }),
    )
  })
})
