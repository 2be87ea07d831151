import { describe, expect, it } from 'vitest'
import { mergeHeaders } from '../../src/index.js'

describe('mergeHeaders', () => {
  const ours = { 'payment-response': 'x', 'access-control-expose-headers': 'PAYMENT-RESPONSE, X-PAYMENT-RESPONSE' }

  it("extends the seller's expose list instead of replacing it, without duplicates", () => {
    const merged = mergeHeaders(ours, () => 'X-Request-Id, payment-response')
    expect(merged['access-control-expose-headers']).toBe('X-Request-Id, payment-response, X-PAYMENT-RESPONSE')
    expect(merged['payment-response']).toBe('x')
  })

  it('leaves the headers as they are when the response has no expose list', () => {
    expect(mergeHeaders(ours, () => undefined)).toBe(ours)
    expect(mergeHeaders({ a: '1' }, () => 'X-Request-Id')).toEqual({ a: '1' })
  })
})
